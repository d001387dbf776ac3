import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { busyboxImage, sha256, startTestRegistry, tempDir, tinyImage, writeOciIndexLayout, writeOciLayout } from './helpers.js';

// The registry runs in this process, so the client must run asynchronously.
const run = async (args: string[]): Promise<string> => (await promisify(execFile)('skopeo', args, { maxBuffer: 64 << 20 })).stdout;

test('skopeo copies an OCI image into the registry and back out, as OCI and as Docker schema 2', async () => {
  const reg = await startTestRegistry();
  const src = await tempDir('wharf-skopeo-src-');
  const out = await tempDir('wharf-skopeo-out-');
  try {
    const img = await busyboxImage();
    await writeOciLayout(src, img, 'latest');
    await run(['copy', '--dest-tls-verify=false', `oci:${src}:latest`, `docker://${reg.host}/library/busybox:1.0`]);

    const raw = JSON.parse(await run(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/library/busybox:1.0`]));
    assert.equal(raw.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.equal(raw.layers[0].digest, sha256(img.layers[0]));
    const tags = JSON.parse(await run(['list-tags', '--tls-verify=false', `docker://${reg.host}/library/busybox`]));
    assert.deepEqual(tags.Tags, ['1.0']);

    // Back out into an OCI layout: the very same layer bytes.
    await run(['copy', '--src-tls-verify=false', `docker://${reg.host}/library/busybox:1.0`, `oci:${out}:copy`]);
    const layer = await readFile(join(out, 'blobs', 'sha256', sha256(img.layers[0]).slice(7)));
    assert.deepEqual(layer, img.layers[0]);

    // Registry to registry, converting to Docker's schema 2 (cross-repository mount on the way).
    await run([
      'copy', '--src-tls-verify=false', '--dest-tls-verify=false', '--format', 'v2s2',
      `docker://${reg.host}/library/busybox:1.0`, `docker://${reg.host}/mirror/busybox:v2s2`,
    ]);
    const docker = JSON.parse(await run(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/mirror/busybox:v2s2`]));
    assert.equal(docker.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    const info = JSON.parse(await run(['inspect', '--tls-verify=false', `docker://${reg.host}/mirror/busybox:v2s2`]));
    assert.equal(info.Os, 'linux');
    assert.equal(info.Layers.length, 1);

    // And delete it again by digest.
    await run(['delete', '--tls-verify=false', `docker://${reg.host}/mirror/busybox:v2s2`]);
    await assert.rejects(run(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/mirror/busybox:v2s2`]));
  } finally {
    await reg.dispose();
    await rm(src, { recursive: true, force: true });
    await rm(out, { recursive: true, force: true });
  }
});

test('skopeo copies a multi-platform image index with all its manifests', async () => {
  const reg = await startTestRegistry();
  const src = await tempDir('wharf-skopeo-index-');
  try {
    const amd64 = await busyboxImage();
    const arm64 = tinyImage(1);
    await writeOciIndexLayout(src, [
      { image: amd64, platform: { architecture: 'amd64', os: 'linux' } },
      { image: arm64, platform: { architecture: 'arm64', os: 'linux' } },
    ], 'multi');
    await run(['copy', '--all', '--dest-tls-verify=false', `oci:${src}:multi`, `docker://${reg.host}/multi/busybox:latest`]);
    const raw = JSON.parse(await run(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/multi/busybox:latest`]));
    assert.equal(raw.mediaType, 'application/vnd.oci.image.index.v1+json');
    // skopeo compresses the uncompressed arm64 layer on the way, so only the amd64 manifest keeps its digest.
    assert.deepEqual(raw.manifests.map((m: { platform: { architecture: string } }) => m.platform.architecture), ['amd64', 'arm64']);
    assert.equal(raw.manifests[0].digest, amd64.manifestDigest);
    const head = await fetch(`${reg.url}/v2/multi/busybox/manifests/latest`, { method: 'HEAD' });
    assert.equal(head.headers.get('content-type'), 'application/vnd.oci.image.index.v1+json');
    // Each platform's manifest is there by digest, and a client picking arm64 follows it.
    const child = await fetch(`${reg.url}/v2/multi/busybox/manifests/${raw.manifests[1].digest}`);
    assert.equal(child.status, 200);
    const armManifest = (await child.json()) as { layers: Array<{ digest: string }> };
    const chosen = JSON.parse(await run(['inspect', '--tls-verify=false', '--override-arch', 'arm64', `docker://${reg.host}/multi/busybox:latest`]));
    assert.deepEqual(chosen.Layers, armManifest.layers.map((l) => l.digest));
    assert.notDeepEqual(chosen.Layers, [sha256(amd64.layers[0])]);
  } finally {
    await reg.dispose();
    await rm(src, { recursive: true, force: true });
  }
});
