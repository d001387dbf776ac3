import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { invalidParameter } from '../common/errors.js';

export type Compression = 'none' | 'gzip' | 'zstd' | 'bzip2' | 'xz';

/** Recognises a compressed stream by its magic bytes (as Docker's archive.DetectCompression). */
export function detectCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  if (head.length >= 3 && head.toString('latin1', 0, 3) === 'BZh') return 'bzip2';
  if (head.length >= 6 && head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  return 'none';
}

/** Reads at least `n` bytes (or to EOF) and returns them plus a stream replaying everything. */
export async function peek(input: Readable, n: number): Promise<{ head: Buffer; stream: Readable }> {
  const chunks: Buffer[] = [];
  let len = 0;
  const it = input[Symbol.asyncIterator]();
  let done = false;
  while (len < n) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    const b = typeof r.value === 'string' ? Buffer.from(r.value) : (r.value as Buffer);
    chunks.push(b);
    len += b.length;
  }
  const head = Buffer.concat(chunks);
  async function* replay(): AsyncGenerator<Buffer> {
    if (head.length) yield head;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield typeof r.value === 'string' ? Buffer.from(r.value) : (r.value as Buffer);
    }
  }
  const stream = Readable.from(replay(), { objectMode: false });
  // Destroying the replay must release the source too.
  stream.on('close', () => {
    if (!input.destroyed && !input.readableEnded) input.destroy();
  });
  return { head, stream };
}

// zstd, bzip2 and xz have no decoder among the project's npm packages; the Debian tools
// are used when present (zstd is common on hosts; xz-utils and bzip2 are in Debian's base).
const tools: Record<Exclude<Compression, 'none' | 'gzip'>, string[]> = {
  zstd: ['/usr/bin/zstd', '-d', '-c', '-q'],
  bzip2: ['/bin/bzip2', '-d', '-c'],
  xz: ['/usr/bin/xz', '-d', '-c'],
};

function viaTool(input: Readable, kind: Exclude<Compression, 'none' | 'gzip'>): Readable {
  const [bin, ...args] = tools[kind];
  if (!existsSync(bin)) throw invalidParameter(`unsupported compression format ${kind}: ${bin} is not installed`);
  const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const out = new PassThrough();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  input.on('error', (e) => out.destroy(e));
  child.stdin.on('error', () => {});
  input.pipe(child.stdin);
  child.stdout.pipe(out, { end: false });
  child.on('close', (code) => {
    if (code === 0) out.end();
    else out.destroy(invalidParameter(`${kind} decompression failed: ${stderr.trim() || `exit ${code}`}`));
  });
  out.on('close', () => {
    if (child.exitCode === null) child.kill();
  });
  return out;
}

/** Auto-detects compression and returns the uncompressed byte stream. */
export async function decompress(input: Readable): Promise<{ compression: Compression; stream: Readable }> {
  const { head, stream } = await peek(input, 6);
  const compression = detectCompression(head);
  switch (compression) {
    case 'none':
      return { compression, stream };
    case 'gzip': {
      const gunzip = createGunzip();
      stream.on('error', (e) => gunzip.destroy(e));
      return { compression, stream: stream.pipe(gunzip) };
    }
    default:
      return { compression, stream: viaTool(stream, compression) };
  }
}
