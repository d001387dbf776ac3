import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { extract, type Header } from 'tar-stream';
import { invalidParameter, WharfError } from '../common/errors.js';
import { decompress, type Compression } from './decompress.js';

/** A tar header with the PAX records tar-stream attaches (xattrs live there). */
export type TarHeader = Header & { pax?: Record<string, string> | null };

export interface TarReadResult {
  /** sha256 of the whole uncompressed stream (a layer's diffID). */
  diffId: string;
  /** Bytes of the uncompressed stream. */
  tarSize: number;
  compression: Compression;
}

type Emitter = { once(ev: string, fn: () => void): unknown; off(ev: string, fn: () => void): unknown };

function drained(w: Emitter): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      w.off('drain', done);
      w.off('close', done);
      resolve();
    };
    w.once('drain', done);
    w.once('close', done);
  });
}

/**
 * Reads a tar (gzip/zstd/bzip2/xz detected) entry by entry, hashing the uncompressed bytes.
 * `onEntry` must consume or ignore the body; the rest is drained. A malformed archive
 * throws invalid-parameter; an error from `onEntry` aborts the read and is rethrown.
 */
export async function readTar(
  input: Readable,
  onEntry: (h: TarHeader, body: AsyncIterable<Buffer>) => Promise<void>,
): Promise<TarReadResult> {
  const { compression, stream } = await decompress(input);
  const hash = createHash('sha256');
  let tarSize = 0;
  const ex = extract();
  const consume = (async () => {
    for await (const entry of ex) {
      await onEntry(entry.header as TarHeader, entry as unknown as AsyncIterable<Buffer>);
      entry.resume();
    }
  })();
  const feed = (async () => {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      hash.update(chunk);
      tarSize += chunk.length;
      if (!ex.write(chunk)) await drained(ex as unknown as Emitter);
    }
    ex.end(undefined as never);
  })();
  try {
    // A failure on either side tears the other down.
    await Promise.all([
      feed.catch((err) => {
        ex.destroy(err);
        throw err;
      }),
      consume.catch((err) => {
        stream.destroy();
        ex.destroy();
        throw err;
      }),
    ]);
  } catch (err) {
    await Promise.allSettled([feed, consume]);
    if (err instanceof WharfError) throw err;
    let msg = err instanceof Error ? err.message : String(err);
    // tar-stream destroys the current entry when the archive ends inside it.
    if (/stream was destroyed|premature close/i.test(msg)) msg = 'unexpected end of data';
    if (/tar|header|end of|unexpected|incorrect header|invalid/i.test(msg)) {
      throw invalidParameter(`invalid tar archive: ${msg}`, err);
    }
    throw err;
  }
  if (tarSize === 0) throw invalidParameter('invalid tar archive: empty input');
  return { diffId: `sha256:${hash.digest('hex')}`, tarSize, compression };
}

/** Reads a layer without writing anything: its diffID and sizes (validates it is a tar). */
export async function scanLayer(input: Readable): Promise<TarReadResult & { contentSize: number }> {
  let contentSize = 0;
  const r = await readTar(input, async (h) => {
    if (h.type === 'file' || h.type === 'contiguous-file') contentSize += h.size ?? 0;
  });
  return { ...r, contentSize };
}
