import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { busyboxImage, pushImage, sha256, startTestRegistry, asBody, OCI_MANIFEST, type TestImage, type TestRegistry } from '../registry/helpers.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { pull, tempStore } from './helpers.js';

async function storedBlobs(root: string): Promise<string[]> {
  return readdir(join(root, 'content', 'blobs', 'sha256')).catch(() => []);
}

async function ingestLeft(root: string): Promise<string[]> {
  return readdir(join(root, 'content', 'ingest')).catch(() => []);
}

describe('pull: dropped connections, bad bytes and bad manifests', () => {
  let reg: TestRegistry;
  let proxy: FaultProxy;
  let bb: TestImage;
  let layerPath: string;
  before(async () => {
    reg = await startTestRegistry();
    proxy = await startFaultProxy(reg.url);
    bb = await busyboxImage();
    await pushImage(reg.url, 'f/bb', '1', bb);
    layerPath = `/v2/f/bb/blobs/${sha256(bb.layers[0])}`;
  });
  after(async () => {
    await proxy?.close();
    await reg?.dispose();
  });

  test('a connection dropped mid-blob is resumed with Range and the image is complete', async () => {
    const s = await tempStore();
    try {
      proxy.faults.set(layerPath, { kind: 'drop-once' });
      proxy.seen.length = 0;
      const r = await pull(s.store, `${proxy.host}/f/bb:1`);
      assert.equal(r.id, sha256(bb.config));
      const gets = proxy.seen.filter((x) => x.path === layerPath && x.method === 'GET');
      assert.equal(gets.length, 2);
      assert.equal(gets[0].range, undefined);
      // It resumes from what arrived before the cut (at most the half the proxy sent).
      const half = Math.floor(bb.layers[0].length / 2);
      const from = Number(/^bytes=(\d+)-$/.exec(gets[1].range ?? '')?.[1]);
      assert.ok(from > 0 && from <= half, `resumed from ${gets[1].range}`);
      assert.ok(await s.store.content.has(sha256(bb.layers[0])));
    } finally {
      proxy.faults.clear();
      await s.dispose();
    }
  });

  test('a layer whose bytes do not match its digest is rejected and nothing is stored', async () => {
    const s = await tempStore();
    try {
      const bad = Buffer.from(bb.layers[0]);
      bad[bad.length - 100] ^= 0xff;
      proxy.faults.set(layerPath, { kind: 'replace', body: bad });
      await assert.rejects(pull(s.store, `${proxy.host}/f/bb:1`), { message: `filesystem layer verification failed for digest ${sha256(bb.layers[0])}` });
      assert.deepEqual(await storedBlobs(s.root), []);
      assert.deepEqual(await ingestLeft(s.root), []);
      await assert.rejects(s.store.get(`${proxy.host}/f/bb:1`), /No such image/);
    } finally {
      proxy.faults.clear();
      await s.dispose();
    }
  });

  test('an oversized blob and one that stays truncated are refused; nothing is stored', async () => {
    const s = await tempStore();
    try {
      proxy.faults.set(layerPath, { kind: 'replace', body: Buffer.concat([bb.layers[0], Buffer.from('extra')]) });
      await assert.rejects(pull(s.store, `${proxy.host}/f/bb:1`), /larger than its descriptor|verification failed/);
      proxy.faults.set(layerPath, { kind: 'truncate', bytes: 1000 });
      await assert.rejects(pull(s.store, `${proxy.host}/f/bb:1`), /failed to download blob sha256:[a-f0-9]+ after \d+ of \d+ bytes: /);
      assert.deepEqual(await storedBlobs(s.root), []);
      assert.deepEqual(await ingestLeft(s.root), []);
    } finally {
      proxy.faults.clear();
      await s.dispose();
    }
  });

  test('by digest, a manifest that does not hash to the digest is refused', async () => {
    const s = await tempStore();
    try {
      proxy.faults.set(`/v2/f/bb/manifests/${bb.manifestDigest}`, { kind: 'replace', body: Buffer.from(bb.manifest.toString().replace('"schemaVersion":2', '"schemaVersion": 2')) });
      await assert.rejects(pull(s.store, `${proxy.host}/f/bb@${bb.manifestDigest}`), { message: `manifest verification failed for digest ${bb.manifestDigest}` });
      assert.deepEqual(await storedBlobs(s.root), []);
    } finally {
      proxy.faults.clear();
      await s.dispose();
    }
  });

  test('unknown layer media types and manifests referencing missing blobs fail cleanly', async () => {
    const s = await tempStore();
    try {
      const manifest = JSON.parse(bb.manifest.toString()) as { layers: Array<{ mediaType: string }> };
      manifest.layers[0].mediaType = 'application/x-unknown-layer';
      const odd = Buffer.from(JSON.stringify(manifest));
      proxy.faults.set('/v2/f/bb/manifests/odd', { kind: 'replace', body: odd });
      await assert.rejects(pull(s.store, `${proxy.host}/f/bb:odd`), /unsupported media type application\/x-unknown-layer/);
      // A manifest whose layer the registry does not have (pushed by a client that skipped it).
      const ghost = randomBytes(64);
      const m2 = JSON.parse(bb.manifest.toString()) as { layers: Array<{ digest: string; size: number }> };
      m2.layers[0] = { ...m2.layers[0], digest: sha256(ghost), size: ghost.length };
      proxy.faults.set('/v2/f/bb/manifests/ghost', { kind: 'replace', body: Buffer.from(JSON.stringify(m2)) });
      await assert.rejects(pull(s.store, `${proxy.host}/f/bb:ghost`), /blob unknown/);
      assert.deepEqual((await storedBlobs(s.root)).length, 0);
      void asBody;
      void OCI_MANIFEST;
    } finally {
      proxy.faults.clear();
      await s.dispose();
    }
  });
});
