import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { scanLayer } from '../../archive/tar-read.js';
import { LayerScanner } from './layer-scan.js';

async function tarOf(entries: Array<{ name: string; type?: 'file' | 'directory' | 'symlink' | 'link'; body?: Buffer; linkname?: string }>): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of p as unknown as AsyncIterable<Buffer>) chunks.push(c);
  })();
  for (const e of entries) {
    await new Promise<void>((resolve, reject) =>
      p.entry({ name: e.name, type: e.type ?? 'file', linkname: e.linkname, size: e.body?.length ?? 0 }, e.body ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve())),
    );
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Feeds `data` in awkward chunk sizes, as a network would. */
async function scanInChunks(data: Buffer, size: number): Promise<Awaited<ReturnType<LayerScanner['finish']>>> {
  const s = new LayerScanner();
  for (let o = 0; o < data.length; o += size) await s.push(data.subarray(o, o + size));
  return s.finish();
}

test('agrees with the image store\'s scan on gzip and plain tars with long names, PAX records and links', async () => {
  const long = 'd/' + 'x'.repeat(150) + '/file';
  const tar = await tarOf([
    { name: 'd/', type: 'directory' },
    { name: 'd/a.txt', body: Buffer.from('hello') },
    { name: long, body: Buffer.alloc(70_000, 7) },
    { name: 'd/link', type: 'symlink', linkname: 'a.txt' },
    { name: 'd/longlink', type: 'symlink', linkname: 'y'.repeat(180) },
    { name: 'd/hard', type: 'link', linkname: 'd/a.txt' },
    { name: 'd/empty', body: Buffer.alloc(0) },
  ]);
  const expected = await scanLayer(Readable.from([tar]));
  for (const data of [tar, gzipSync(tar)]) {
    for (const chunk of [1, 511, 4096, 1 << 20]) {
      const got = await scanInChunks(data, chunk);
      assert.deepEqual(got, { diffId: expected.diffId, tarSize: expected.tarSize, contentSize: expected.contentSize }, `chunk ${chunk}`);
    }
  }
});

test('anything but a complete gzip or plain tar gives no result (the caller then scans fully)', async () => {
  const tar = await tarOf([{ name: 'f', body: Buffer.from('x') }]);
  assert.equal(await scanInChunks(Buffer.from('not a tar at all'), 4), undefined);
  assert.equal(await scanInChunks(Buffer.alloc(2048, 0x41), 512), undefined);
  assert.equal(await scanInChunks(tar.subarray(0, 512), 512), undefined, 'truncated: no end marker');
  const gz = gzipSync(tar);
  const corrupt = Buffer.from(gz);
  corrupt[corrupt.length - 6] ^= 0xff;
  assert.equal(await scanInChunks(corrupt, 64), undefined);
});
