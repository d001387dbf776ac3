import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { LocalContentStore, streamToBuffer } from './local-content-store.js';

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function withStore(fn: (s: LocalContentStore, root: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'wharf-content-'));
  try {
    await fn(new LocalContentStore(root), root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

test('writes a blob from a buffer and a stream under its sha256 and reads it back', () =>
  withStore(async (s, root) => {
    const data = Buffer.from('hello blob');
    const info = await s.write(data, { digest: sha(data), size: data.length });
    assert.equal(info.digest, sha(data));
    assert.ok(await s.has(info.digest));
    assert.deepEqual(await s.read(info.digest), data);
    assert.deepEqual(await streamToBuffer(s.readStream(info.digest)), data);
    assert.equal((await s.info(info.digest)).size, data.length);
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    const info2 = await s.write(Readable.from([big.subarray(0, 1000), big.subarray(1000)]));
    assert.equal(info2.digest, sha(big));
    assert.deepEqual((await s.list()).map((b) => b.digest).sort(), [info.digest, info2.digest].sort());
    assert.deepEqual(await readdir(join(root, 'content', 'blobs', 'sha256')).then((l) => l.length), 2);
    assert.ok(await s.delete(info.digest));
    assert.equal(await s.has(info.digest), false);
    assert.equal(await s.delete(info.digest), false);
  }));

test('a digest or size mismatch stores nothing', () =>
  withStore(async (s, root) => {
    const data = Buffer.from('payload');
    const wrong = sha(Buffer.from('other'));
    await assert.rejects(s.write(data, { digest: wrong }), /digest mismatch/);
    await assert.rejects(s.write(Readable.from([data]), { size: 3 }), /size mismatch/);
    await assert.rejects(s.write(data, { size: 100 }), /size mismatch/);
    await assert.rejects(s.write(data, { digest: 'md5:abc' }), /unsupported digest algorithm|invalid digest/);
    assert.deepEqual(await s.list(), []);
    assert.deepEqual(await readdir(join(root, 'content', 'ingest')), []);
    assert.equal(await s.has(wrong), false);
  }));

test('a failing source stream leaves no blob and no temp file', () =>
  withStore(async (s, root) => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.from('part');
      throw new Error('source broke');
    }
    await assert.rejects(s.write(Readable.from(failing())), /source broke/);
    assert.deepEqual(await s.list(), []);
    assert.deepEqual(await readdir(join(root, 'content', 'ingest')), []);
    await assert.rejects(s.read(sha(Buffer.from('part'))), { message: /not found/ });
  }));
