import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { invalidParameter, WharfError } from '../common/errors.js';
import { decompress, type Compression } from './decompress.js';
import { parseTar, type TarHeader } from './tar-parse.js';

export type { TarHeader } from './tar-parse.js';

export interface TarReadResult {
  /** sha256 of the whole uncompressed stream (a layer's diffID). */
  diffId: string;
  /** Bytes of the uncompressed stream. */
  tarSize: number;
  compression: Compression;
}

/**
 * Reads a tar (gzip/zstd/bzip2/xz detected) entry by entry, hashing every uncompressed
 * byte, trailing padding included. `onEntry` may consume the body or not. A malformed
 * archive throws invalid-parameter; an error from `onEntry` aborts the read and is rethrown.
 */
export async function readTar(
  input: Readable,
  onEntry: (h: TarHeader, body: AsyncIterable<Buffer>) => Promise<void>,
): Promise<TarReadResult> {
  const { compression, stream } = await decompress(input);
  const hash = createHash('sha256');
  let tarSize = 0;
  async function* hashed(): AsyncGenerator<Buffer> {
    for await (const c of stream as AsyncIterable<Buffer>) {
      hash.update(c);
      tarSize += c.length;
      yield c;
    }
  }
  try {
    for await (const { header, body } of parseTar(hashed())) await onEntry(header, body);
  } catch (err) {
    stream.destroy();
    if (err instanceof WharfError) throw err;
    const e = err as NodeJS.ErrnoException;
    // zlib and the decompressing tools report corrupt input with their own codes.
    if (e?.code?.startsWith?.('Z_') || /unexpected end of file|incorrect header check|invalid/i.test(e?.message ?? '')) {
      throw invalidParameter(`invalid tar archive: ${e.message}`, err);
    }
    throw err;
  }
  return { diffId: `sha256:${hash.digest('hex')}`, tarSize, compression };
}

/**
 * What an entry adds to a layer's size as dockerd counts it (the apparent size of every
 * non-directory once unpacked): file bytes, a symlink's target length, nothing for hard
 * links (same inode), directories, devices and fifos.
 */
export function entrySize(h: TarHeader): number {
  if (h.type === 'file' || h.type === 'contiguous-file') return h.size;
  if (h.type === 'symlink') return Buffer.byteLength(h.linkname);
  return 0;
}

/** Reads a layer without writing anything: its diffID and sizes (validates it is a tar). */
export async function scanLayer(input: Readable): Promise<TarReadResult & { contentSize: number }> {
  let contentSize = 0;
  const r = await readTar(input, async (h) => {
    contentSize += entrySize(h);
  });
  return { ...r, contentSize };
}
