import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { decompress, detectCompression } from './decompress.js';

async function all(r: Readable): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of r) out.push(c as Buffer);
  return Buffer.concat(out);
}

test('detects compression by magic bytes', () => {
  assert.equal(detectCompression(gzipSync(Buffer.from('x'))), 'gzip');
  assert.equal(detectCompression(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0])), 'zstd');
  assert.equal(detectCompression(Buffer.from('BZh91AY')), 'bzip2');
  assert.equal(detectCompression(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])), 'xz');
  assert.equal(detectCompression(Buffer.from('ustar')), 'none');
  assert.equal(detectCompression(Buffer.alloc(0)), 'none');
});

test('gzip and plain streams come out as the original bytes, even in tiny chunks', async () => {
  const data = Buffer.from('hello '.repeat(1000));
  const gz = gzipSync(data);
  const chunks = [...gz].map((b) => Buffer.from([b]));
  assert.deepEqual(await all((await decompress(Readable.from(chunks))).stream), data);
  assert.deepEqual(await all((await decompress(Readable.from([data]))).stream), data);
});

test('zstd layers decode through the zstd tool (scripts/setup.sh installs it); corrupt ones fail clearly', async () => {
  const data = Buffer.from('zstd layer '.repeat(500));
  const input = execFileSync('/usr/bin/zstd', ['-q', '-c'], { input: data });
  const r = await decompress(Readable.from([input]));
  assert.equal(r.compression, 'zstd');
  assert.deepEqual(await all(r.stream), data);
  const bad = await decompress(Readable.from([Buffer.concat([input.subarray(0, 8), Buffer.from('garbage')])]));
  await assert.rejects(all(bad.stream), /zstd decompression failed/);
});
