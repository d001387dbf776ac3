/**
 * One line of Docker's json-file log:
 * `{"log":"…","stream":"stdout","attrs":{…},"time":"<RFC3339Nano UTC>"}`, escaped the way
 * dockerd escapes it (so tools that read dockerd's files byte for byte read ours too).
 */

export interface JsonLogRecord {
  stream: 'stdout' | 'stderr';
  /** The bytes as written; a complete line keeps its "\n", a partial one has none. */
  data: Buffer;
  /** UTC RFC3339 with up to 9 fraction digits, trailing zeros dropped (Go's RFC3339Nano). */
  time: string;
  attrs?: Record<string, string>;
}

/** What a reader gets back: the record plus the fixed-width stamp `logs -t` prints. */
export interface ParsedJsonLog extends JsonLogRecord {
  /** Always 9 fraction digits (Docker's RFC3339NanoFixed). */
  fixedTime: string;
}

const ESCAPED = /[\x00-\x1f"\\<>&\u2028\u2029\ufffd]/g;
const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '"': '\\"', '\\': '\\\\' };

/**
 * JSON string body as dockerd writes it: control bytes as \u00XX (only \n and \r keep their
 * short forms), <, > and & as \u003c/\u003e/\u0026, U+2028/2029 escaped, and what decoding
 * made of bytes that were not UTF-8 as \ufffd.
 */
export function escapeLogString(s: string): string {
  return s.replace(ESCAPED, (c) => SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Bytes that JSON-encode as themselves: printable ASCII other than " \\ < > &. */
const NOT_PLAIN = /[^\x20-\x21\x23-\x25\x27-\x3b\x3d\x3f-\x5b\x5d-\x7e]/;

/**
 * One record as a json-file line ("\n" included). `content` holds the bytes one char per
 * byte (latin1), so partial writes joined before this decode as the UTF-8 they form together.
 */
export function encodeJsonLogRecord(stream: 'stdout' | 'stderr', content: string, newline: boolean, time: string, attrsJson: string): string {
  const log = NOT_PLAIN.test(content) ? escapeLogString(Buffer.from(content, 'latin1').toString('utf8')) : content;
  return `{"log":"${log}${newline ? '\\n' : ''}","stream":"${stream}"${attrsJson},"time":"${time}"}\n`;
}

/** The record as one json-file line, "\n" included. Attribute keys are sorted, as Go's maps marshal. */
export function encodeJsonLogLine(r: JsonLogRecord): Buffer {
  const newline = r.data.length > 0 && r.data[r.data.length - 1] === 0x0a;
  const body = newline ? r.data.subarray(0, r.data.length - 1) : r.data;
  return Buffer.from(encodeJsonLogRecord(r.stream, body.toString('latin1'), newline, r.time, attrsJson(r.attrs)));
}

/** `,"attrs":{…}` for a record's attributes ("" for none). */
export function attrsJson(attrs: Record<string, string> | undefined): string {
  if (!attrs) return '';
  const keys = Object.keys(attrs).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return keys.length ? `,"attrs":{${keys.map((k) => `"${escapeLogString(k)}":"${escapeLogString(attrs[k]!)}"`).join(',')}}` : '';
}

/** Parses one json-file line (without its newline); undefined for anything else. */
export function parseJsonLogLine(line: string): ParsedJsonLog | undefined {
  let v: { log?: unknown; stream?: unknown; time?: unknown; attrs?: unknown };
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null || typeof v.log !== 'string' || typeof v.time !== 'string') return undefined;
  const fixedTime = fixedRfc3339(v.time);
  if (!fixedTime) return undefined;
  const out: ParsedJsonLog = { stream: v.stream === 'stderr' ? 'stderr' : 'stdout', data: Buffer.from(v.log, 'utf8'), time: v.time, fixedTime };
  if (v.attrs && typeof v.attrs === 'object') out.attrs = v.attrs as Record<string, string>;
  return out;
}

/** A time as `docker logs -t` prints it; cheap for the UTC form json-file holds (one per record read). */
export function fixedRfc3339(time: string): string | undefined {
  if (time.length >= 20 && time.length <= 30 && time.charCodeAt(time.length - 1) === 0x5a && time.charCodeAt(10) === 0x54) {
    if (time.length === 20) return `${time.slice(0, 19)}.000000000Z`;
    if (time.charCodeAt(19) === 0x2e && time.length > 21) return `${time.slice(0, time.length - 1)}${'000000000'.slice(time.length - 21)}Z`;
  }
  return parseRfc3339(time)?.fixed;
}

/**
 * RFC3339 with an optional fraction of up to 9 digits and a zone → millisecond Date, the
 * fixed 9-digit UTC form and Go's RFC3339Nano UTC form (trailing fraction zeros dropped).
 */
export function parseRfc3339(ts: string): { date: Date; fixed: string; nano: string } | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(ts);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  const frac = (m[2] ?? '').padEnd(9, '0');
  const whole = new Date(ms).toISOString().slice(0, 19);
  const trimmed = frac.replace(/0+$/, '');
  return {
    date: new Date(ms + Number(frac.slice(0, 3))),
    fixed: `${whole}.${frac}Z`,
    nano: trimmed ? `${whole}.${trimmed}Z` : `${whole}Z`,
  };
}
