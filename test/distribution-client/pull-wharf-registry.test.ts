import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { busyboxImage, pushImage, tinyImage, sha256, startTestRegistry, writeOciIndexLayout, asBody, OCI_INDEX, type TestRegistry, type TestImage } from '../registry/helpers.js';
import { pull, tempStore } from './helpers.js';

/** Pushes an index of two platform images under `tag`. */
async function pushIndex(base: string, name: string, tag: string, entries: Array<{ image: TestImage; platform: { os: string; architecture: string } }>): Promise<Buffer> {
  for (const e of entries) await pushImage(base, name, e.image.manifestDigest, e.image);
  const index = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: entries.map((e) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: e.image.manifestDigest, size: e.image.manifest.length, platform: e.platform })),
  }));
  const res = await fetch(`${base}/v2/${name}/manifests/${tag}`, { method: 'PUT', headers: { 'content-type': OCI_INDEX }, body: asBody(index) });
  assert.equal(res.status, 201);
  return index;
}

describe('pull from Wharf\'s registry into the image store', () => {
  let reg: TestRegistry;
  let host: string;
  let base: string;
  let bb: TestImage;
  before(async () => {
    reg = await startTestRegistry();
    base = reg.url;
    host = new URL(base).host;
    bb = await busyboxImage();
    await pushImage(base, 'team/busybox', '1.0', bb);
  });
  after(async () => {
    await reg?.dispose();
  });

  test('by tag: stores layers, config and manifest; tags and records the repo digest; docker-shaped progress', async () => {
    const s = await tempStore();
    try {
      const r = await pull(s.store, `${host}/team/busybox:1.0`);
      assert.equal(r.id, sha256(bb.config));
      assert.equal(r.digest, bb.manifestDigest);
      const img = await s.store.get(`${host}/team/busybox:1.0`);
      assert.deepEqual(img.repoTags, [`${host}/team/busybox:1.0`]);
      assert.deepEqual(img.repoDigests, [`${host}/team/busybox@${bb.manifestDigest}`]);
      for (const l of bb.layers) assert.ok(await s.store.content.has(sha256(l)));
      const statuses = r.messages.map((m) => m.status);
      assert.deepEqual(r.messages[0], { status: 'Pulling from team/busybox', id: '1.0' });
      for (const st of ['Pulling fs layer', 'Verifying Checksum', 'Download complete', 'Pull complete']) assert.ok(statuses.includes(st), st);
      assert.equal(statuses.at(-2), `Digest: ${bb.manifestDigest}`);
      assert.equal(statuses.at(-1), `Status: Downloaded newer image for ${host}/team/busybox:1.0`);
      // A second pull downloads nothing.
      const again = await pull(s.store, `${host}/team/busybox:1.0`);
      assert.ok(again.messages.some((m) => m.status === 'Already exists'));
      assert.ok(!again.messages.some((m) => m.status === 'Downloading'));
      assert.equal(again.messages.at(-1)?.status, `Status: Image is up to date for ${host}/team/busybox:1.0`);
    } finally {
      await s.dispose();
    }
  });

  test('by digest: the image gets the repo digest and no tag', async () => {
    const s = await tempStore();
    try {
      const r = await pull(s.store, `${host}/team/busybox@${bb.manifestDigest}`);
      const img = await s.store.get(`${host}/team/busybox@${bb.manifestDigest}`);
      assert.equal(img.id, r.id);
      assert.deepEqual(img.repoTags, []);
      assert.equal(r.messages[0].id, bb.manifestDigest);
    } finally {
      await s.dispose();
    }
  });

  test('an index: picks linux/amd64 for this host, or the --platform asked for', async () => {
    // The arm64 entry is never pulled here, so random layers do.
    const arm = tinyImage(2, 100);
    const index = await pushIndex(base, 'multi', 'v1', [
      { image: arm, platform: { os: 'linux', architecture: 'arm64' } },
      { image: bb, platform: { os: 'linux', architecture: 'amd64' } },
    ]);
    const s = await tempStore();
    try {
      const r = await pull(s.store, `${host}/multi:v1`);
      assert.equal(r.id, sha256(bb.config));
      assert.equal(r.digest, sha256(index), 'the repo digest is the index digest, as Docker records it');
      await assert.rejects(pull(s.store, `${host}/multi:v1`, { platform: 'linux/s390x' }), /no matching manifest for linux\/s390x in the manifest list entries/);
    } finally {
      await s.dispose();
    }
  });

  test('missing tag and repository: Docker\'s not-found message; nothing stored', async () => {
    const s = await tempStore();
    try {
      await assert.rejects(pull(s.store, `${host}/team/busybox:nope`), (err: Error & { kind?: string }) => {
        assert.equal(err.kind, 'not-found');
        assert.equal(err.message, `manifest for ${host}/team/busybox:nope not found: manifest unknown: manifest unknown`);
        return true;
      });
      await assert.rejects(pull(s.store, `${host}/no/such:1`), /manifest for .* not found/);
      assert.deepEqual(await readdir(join(s.root, 'content', 'blobs', 'sha256')).catch(() => []), []);
    } finally {
      await s.dispose();
    }
  });
});
