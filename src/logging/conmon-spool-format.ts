import { parseRfc3339 } from './json-log-line.js';
import { followLines, type FollowOptions } from './line-follower.js';

/** One record of conmon's log (the CRI "k8s-file" format), which Wharf uses as a spool. */
export interface SpoolEntry {
  stream: 'stdout' | 'stderr';
  /** UTC RFC3339Nano as json-file records it (Go's form: trailing fraction zeros dropped). */
  time: string;
  /** The bytes the process wrote, one char per byte (latin1), without the line's "\n". */
  content: string;
  /** True when the process had not ended the line (conmon's "P" tag). */
  partial: boolean;
}

/** The entry's bytes as the process wrote them: a full line keeps its "\n". */
export function spoolData(e: SpoolEntry): Buffer {
  return Buffer.from(e.partial ? e.content : `${e.content}\n`, 'latin1');
}

/**
 * Parses one line of conmon's log, given one char per byte (latin1) without its newline:
 * `<RFC3339Nano with offset> <stdout|stderr> <F|P> <data>`. Strings, not buffers: the daemon
 * runs this per line with its optimizing compiler off, where string built-ins are far cheaper.
 */
export function parseSpoolLine(line: string): SpoolEntry | undefined {
  const s1 = line.indexOf(' ');
  const s2 = s1 < 0 ? -1 : line.indexOf(' ', s1 + 1);
  if (s2 < 0) return undefined;
  const stream = line.slice(s1 + 1, s2);
  const tag = line.charCodeAt(s2 + 1);
  if ((stream !== 'stdout' && stream !== 'stderr') || (tag !== 0x46 && tag !== 0x50)) return undefined;
  const rest = line.length - (s2 + 2);
  if (rest !== 0 && line.charCodeAt(s2 + 2) !== 0x20) return undefined;
  const time = utcTime(line.slice(0, s1));
  if (!time) return undefined;
  return { stream, time, content: rest === 0 ? '' : line.slice(s2 + 3), partial: tag === 0x50 };
}

// conmon stamps every line of one read with the same time: convert it once.
let lastStamp = '';
let lastUtc: string | undefined;
function utcTime(stamp: string): string | undefined {
  if (stamp !== lastStamp) {
    lastStamp = stamp;
    lastUtc = parseRfc3339(stamp)?.nano;
  }
  return lastUtc;
}


/** conmon's log read as entries (the runtime's own view of a container's output; tests use it too). */
export async function* readSpool(path: string, opts: FollowOptions & { since?: Date; until?: Date } = {}): AsyncGenerator<SpoolEntry & { data: Buffer; date: Date }> {
  for await (const line of followLines(path, { ...opts, encoding: 'latin1' })) {
    const e = parseSpoolLine(line);
    if (!e) continue;
    const date = parseRfc3339(e.time)!.date;
    if (opts.until && date > opts.until) return;
    if (opts.since && date < opts.since) continue;
    yield { ...e, data: spoolData(e), date };
  }
}
