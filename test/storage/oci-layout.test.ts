import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { streamToBuffer } from '../../src/content/local-content-store.js';
import { busyboxTar, streamOf, tempStorage } from './helpers.js';

const run = promisify(execFile);

test('an OCI layout tarball written by skopeo (gzip layers, no manifest.json) loads with its config digest as ID', async () => {
  const a = await tempStorage();
  const b = await tempStorage();
  const dir = await mkdtemp(join(tmpdir(), 'wharf-oci-'));
  try {
    const img = await a.images.importRootfs(streamOf(await busyboxTar()), { reference: 'busybox', changes: ['CMD ["sh"]'] });
    const out = new PassThrough();
    const [, saved] = await Promise.all([a.images.save(['busybox'], out), streamToBuffer(out)]);
    await writeFile(join(dir, 'saved.tar'), saved);
    // skopeo reads Wharf's docker-archive and writes an OCI archive with compressed layers.
    await run('skopeo', ['--insecure-policy', 'copy', '--quiet', `docker-archive:${join(dir, 'saved.tar')}`, `oci-archive:${join(dir, 'oci.tar')}:localhost:5000/tools/bb:v1`]);
    const oci = await readFile(join(dir, 'oci.tar'));
    const loaded = await b.images.load(streamOf(oci));
    assert.deepEqual(loaded.tags, ['localhost:5000/tools/bb:v1']);
    const got = await b.images.get('localhost:5000/tools/bb:v1');
    // skopeo re-serialises the config when converting formats: the ID is its config digest.
    const manifest = JSON.parse((await run('skopeo', ['inspect', '--raw', `oci-archive:${join(dir, 'oci.tar')}`])).stdout) as { config: { digest: string } };
    assert.equal(got.id, manifest.config.digest);
    assert.deepEqual(got.config.rootfs.diff_ids, img.config.rootfs.diff_ids);
    assert.deepEqual(got.config.config?.Cmd, ['sh']);
    assert.equal(got.layers[0].mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
    assert.notEqual(got.layers[0].digest, got.config.rootfs.diff_ids[0], 'compressed blob digest kept beside the diffID');
    await b.snapshotter.createContainerLayer('oci', got);
    assert.equal((await b.snapshotter.diff('oci')).length, 0);
    // Saved again from the gzip layers, the archive carries uncompressed layers whose digests are the diffIDs.
    const out2 = new PassThrough();
    const [, again] = await Promise.all([b.images.save([got.id], out2), streamToBuffer(out2)]);
    const c = await tempStorage();
    try {
      const res = await c.images.load(streamOf(again));
      assert.deepEqual(res, { tags: [], ids: [got.id] });
    } finally {
      await c.cleanup();
    }
  } finally {
    await a.cleanup();
    await b.cleanup();
    await rm(dir, { recursive: true, force: true });
  }
});
