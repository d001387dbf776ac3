import { watch } from 'node:fs';
import { open, readFile, stat, type FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { rotatedName } from './json-log-writer.js';

const gunzipAsync = promisify(gunzip);

export interface FollowOptions {
  /** Keep reading as the file grows until `isDone` says nothing more will come. */
  follow?: boolean;
  /** Only the last N lines present when reading starts (undefined or < 0: all). */
  tail?: number;
  /** Also read the rotated files `<path>.N[.gz]`, oldest first. */
  rotated?: boolean;
  /** For follow: true once the writer is finished (and what it wrote is on disk). */
  isDone?: () => Promise<boolean> | boolean;
  /** Subscribes to "the writer may have finished" (returns the unsubscribe), to check `isDone` at once. */
  onStop?: (notify: () => void) => () => void;
  /** For follow: stop waiting for more once the clock passes this. */
  until?: Date;
  /** How bytes become the strings yielded: 'latin1' (one char per byte) or 'utf8' (the default). */
  encoding?: 'utf8' | 'latin1';
  signal?: AbortSignal;
}

const CHUNK = 64 * 1024;

/**
 * The lines (without their "\n") of a log file and, optionally, of its rotated predecessors.
 * Following survives the writer rotating the file (renamed away, or truncated in place).
 */
export async function* followLines(path: string, opts: FollowOptions = {}): AsyncGenerator<string> {
  const encoding = opts.encoding ?? 'utf8';
  const rotated = opts.rotated ? await rotatedFiles(path) : [];
  let fh = await openLive(path, opts);
  if (!fh && !rotated.length) return;
  const tail = opts.tail !== undefined && opts.tail >= 0 ? opts.tail : undefined;
  let pos = 0;
  let skipOld = 0;
  let older: Buffer[] = [];
  if (fh && tail !== undefined) {
    const { size } = await fh.stat();
    const t = await tailOffset(fh, size, tail);
    pos = t.offset;
    if (t.found < tail) ({ buffers: older, skip: skipOld } = await lastLinesOf(rotated, tail - t.found));
  } else if (tail !== undefined) {
    ({ buffers: older, skip: skipOld } = await lastLinesOf(rotated, tail));
  } else {
    older = [];
    for (const f of rotated) older.push(await f.load());
  }
  for (const buf of older) {
    const text = buf.toString(encoding);
    let start = 0;
    let nl: number;
    while ((nl = text.indexOf('\n', start)) >= 0) {
      if (skipOld > 0) skipOld--;
      else yield text.slice(start, nl);
      start = nl + 1;
    }
  }
  if (!fh) return;
  let watcher = opts.follow ? changeNotifier(path) : undefined;
  const unsubscribe = watcher && opts.onStop ? opts.onStop(() => watcher?.poke()) : undefined;
  // Strings, not buffers: with the optimizing compiler off (the daemon's normal state), string
  // built-ins cost a fraction of Buffer.subarray per line.
  let decoder = new StringDecoder(encoding);
  try {
    let pending = '';
    const buf = Buffer.alloc(CHUNK);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, pos);
      if (bytesRead > 0) {
        pos += bytesRead;
        const text = pending + decoder.write(buf.subarray(0, bytesRead));
        let nl: number;
        let start = 0;
        while ((nl = text.indexOf('\n', start)) >= 0) {
          yield text.slice(start, nl);
          start = nl + 1;
        }
        pending = text.slice(start);
        continue;
      }
      if (!opts.follow || opts.signal?.aborted) return;
      const live = await stat(path).catch(() => undefined);
      const mine = await fh.stat();
      if (live && live.ino !== mine.ino) {
        // Rotated away: what was written before the rename is read above; go on with the new file.
        await fh.close();
        fh = await open(path, 'r');
        // A watch follows the inode, which now is the rotated file.
        watcher!.close();
        watcher = changeNotifier(path);
        pos = 0;
        pending = '';
        decoder = new StringDecoder(encoding);
        continue;
      }
      if (mine.size < pos) {
        // Truncated in place (max-file 1).
        pos = 0;
        pending = '';
        decoder = new StringDecoder(encoding);
        continue;
      }
      // Drained: stop once the writer is done, after one last read for its final words.
      if (await opts.isDone?.()) {
        const { size: now } = await fh.stat();
        if (now <= pos) return;
        continue;
      }
      if (opts.until && Date.now() > opts.until.getTime()) return;
      await watcher!.wait(250, opts.signal);
    }
  } finally {
    unsubscribe?.();
    watcher?.close();
    await fh.close();
  }
}

interface RotatedFile {
  load(): Promise<Buffer>;
}

/** `<path>.N` or `<path>.N.gz` for N = 1, 2… while they exist, oldest first. */
async function rotatedFiles(path: string): Promise<RotatedFile[]> {
  const out: RotatedFile[] = [];
  for (let n = 1; ; n++) {
    const plain = rotatedName(path, n, false);
    const gz = rotatedName(path, n, true);
    if (await exists(plain)) out.push({ load: () => readFile(plain).catch(() => Buffer.alloc(0)) });
    else if (await exists(gz)) out.push({ load: async () => gunzipAsync(await readFile(gz)).catch(() => Buffer.alloc(0)) });
    else break;
  }
  return out.reverse();
}

/** The rotated files' contents needed for their last `n` lines, and how many leading lines to skip. */
async function lastLinesOf(files: RotatedFile[], n: number): Promise<{ buffers: Buffer[]; skip: number }> {
  const buffers: Buffer[] = [];
  let lines = 0;
  for (let i = files.length - 1; i >= 0 && lines < n; i--) {
    const b = await files[i]!.load();
    buffers.unshift(b);
    for (let j = 0; j < b.length; j++) if (b[j] === 0x0a) lines++;
  }
  return { buffers, skip: Math.max(0, lines - n) };
}

async function openLive(path: string, opts: FollowOptions): Promise<FileHandle | undefined> {
  try {
    return await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !opts.follow) return undefined;
    // The writer creates the file when it starts; wait for it.
    while (!(await exists(path))) {
      if (opts.signal?.aborted || (await opts.isDone?.())) return undefined;
      await sleep(100, opts.signal);
    }
    return open(path, 'r');
  }
}

/** Byte offset where the last `n` lines of the file start, and how many lines that is (fewer if the file has fewer). */
async function tailOffset(fh: FileHandle, size: number, n: number): Promise<{ offset: number; found: number }> {
  if (n === 0) return { offset: size, found: 0 };
  let pos = size;
  let newlines = 0;
  const buf = Buffer.alloc(CHUNK);
  while (pos > 0) {
    const len = Math.min(CHUNK, pos);
    pos -= len;
    await fh.read(buf, 0, len, pos);
    for (let i = len - 1; i >= 0; i--) {
      if (buf[i] !== 0x0a) continue;
      // The file ends with a newline; the (n+1)th newline from the end precedes the wanted lines.
      if (pos + i === size - 1) continue;
      newlines++;
      if (newlines === n) return { offset: pos + i + 1, found: n };
    }
  }
  // Every line of the file: the count of newlines seen, plus the first line.
  return { offset: 0, found: size > 0 ? newlines + 1 : 0 };
}

function changeNotifier(path: string): { wait(ms: number, signal?: AbortSignal): Promise<void>; poke(): void; close(): void } {
  let wake: (() => void) | undefined;
  // A poke that comes between two waits must not be lost.
  let poked = false;
  let w: ReturnType<typeof watch> | undefined;
  try {
    w = watch(path, () => wake?.());
    w.unref();
  } catch {
    w = undefined; // polling only
  }
  return {
    wait: (ms, signal) =>
      new Promise<void>((resolve) => {
        if (poked) {
          poked = false;
          return resolve();
        }
        const t = setTimeout(done, ms);
        function done() {
          clearTimeout(t);
          wake = undefined;
          signal?.removeEventListener('abort', done);
          resolve();
        }
        wake = done;
        signal?.addEventListener('abort', done, { once: true });
      }),
    poke: () => {
      if (wake) wake();
      else poked = true;
    },
    close: () => w?.close(),
  };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}
