import { open, stat, type FileHandle } from 'node:fs/promises';
import { watch } from 'node:fs';

/** One record of a container's log, as conmon wrote it (k8s-file format). */
export interface LogEntry {
  stream: 'stdout' | 'stderr';
  /** Millisecond-precision time (for comparisons). */
  time: Date;
  /** RFC3339Nano in UTC, e.g. "2024-01-02T03:04:05.123456789Z" (what `docker logs -t` prints). */
  timestamp: string;
  /** The bytes as the process wrote them; a full line keeps its "\n". */
  data: Buffer;
  /** True when the process had not ended the line yet (conmon's "P" tag). */
  partial: boolean;
}

export interface ReadLogOptions {
  /** Keep reading as the file grows until `isDone` says the container has exited and the file is drained. */
  follow?: boolean;
  /** Only the last N entries present when reading starts (N < 0 or undefined: all). */
  tail?: number;
  since?: Date;
  until?: Date;
  /** For follow: true once the container has exited (its monitor has flushed the log). */
  isDone?: () => Promise<boolean> | boolean;
  /**
   * Subscribes to "the container may have stopped" (returns the unsubscribe): a follower
   * then checks `isDone` at once instead of at its next poll.
   */
  onStop?: (notify: () => void) => () => void;
  signal?: AbortSignal;
}

/**
 * Parses one line of conmon's k8s-file log:
 * `<RFC3339Nano with offset> <stdout|stderr> <F|P> <data>` (the line's own newline excluded).
 */
export function parseLogLine(line: Buffer): LogEntry | undefined {
  const s1 = line.indexOf(0x20);
  const s2 = s1 < 0 ? -1 : line.indexOf(0x20, s1 + 1);
  const s3 = s2 < 0 ? -1 : line.indexOf(0x20, s2 + 1);
  if (s3 < 0 && !(s2 > 0 && line.length === s2 + 2)) return undefined;
  const ts = line.subarray(0, s1).toString('latin1');
  const stream = line.subarray(s1 + 1, s2).toString('latin1');
  const tag = line.subarray(s2 + 1, s3 < 0 ? line.length : s3).toString('latin1');
  if ((stream !== 'stdout' && stream !== 'stderr') || (tag !== 'F' && tag !== 'P')) return undefined;
  const parsed = parseTimestamp(ts);
  if (!parsed) return undefined;
  const content = s3 < 0 ? Buffer.alloc(0) : line.subarray(s3 + 1);
  const partial = tag === 'P';
  return {
    stream,
    time: parsed.time,
    timestamp: parsed.utc,
    data: partial ? Buffer.from(content) : Buffer.concat([content, Buffer.from('\n')]),
    partial,
  };
}

/** RFC3339 with nanoseconds and a zone offset → a Date plus the UTC RFC3339Nano string. */
export function parseTimestamp(ts: string): { time: Date; utc: string } | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(ts);
  if (!m) return undefined;
  const frac = (m[2] ?? '').padEnd(9, '0');
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  const time = new Date(ms + Number(frac.slice(0, 3)));
  const utc = `${new Date(ms).toISOString().slice(0, 19)}.${frac}Z`;
  return { time, utc };
}

const CHUNK = 64 * 1024;

/** Byte offset where the last `n` lines of the file start. */
async function tailOffset(fh: FileHandle, size: number, n: number): Promise<number> {
  if (n === 0) return size;
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
      if (newlines === n) return pos + i + 1;
    }
  }
  return 0;
}

/**
 * Reads a conmon log file as entries, optionally only the last `tail`, within `since`/`until`,
 * and (with `follow`) keeps going until the container is done and everything is read.
 */
export async function* readLogs(path: string, opts: ReadLogOptions = {}): AsyncGenerator<LogEntry> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !opts.follow) return;
    // conmon creates the file when it starts; wait for it.
    while (!(await exists(path))) {
      if (opts.signal?.aborted || (await opts.isDone?.())) return;
      await sleep(100, opts.signal);
    }
    fh = await open(path, 'r');
  }
  const watcher = opts.follow ? changeNotifier(path) : undefined;
  const unsubscribe = watcher && opts.onStop ? opts.onStop(() => watcher.poke()) : undefined;
  try {
    const { size } = await fh.stat();
    let pos = opts.tail !== undefined && opts.tail >= 0 ? await tailOffset(fh, size, opts.tail) : 0;
    let pending = Buffer.alloc(0);
    const buf = Buffer.alloc(CHUNK);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, pos);
      if (bytesRead > 0) {
        pos += bytesRead;
        pending = pending.length ? Buffer.concat([pending, buf.subarray(0, bytesRead)]) : Buffer.from(buf.subarray(0, bytesRead));
        let nl: number;
        let start = 0;
        while ((nl = pending.indexOf(0x0a, start)) >= 0) {
          const entry = parseLogLine(pending.subarray(start, nl));
          start = nl + 1;
          if (!entry) continue;
          if (opts.until && entry.time > opts.until) return;
          if (opts.since && entry.time < opts.since) continue;
          yield entry;
        }
        pending = pending.subarray(start);
        continue;
      }
      if (!opts.follow || opts.signal?.aborted) return;
      // Drained: stop once the container is done, after one last read for what it wrote at exit.
      if (await opts.isDone?.()) {
        const { size: now } = await stat(path).catch(() => ({ size: pos }));
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
