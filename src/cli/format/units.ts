/**
 * Human-readable sizes, durations and times, printed the way the docker CLI prints them
 * (go-units' HumanSize / HumanDuration and Go's time.Time.String()).
 */

const decimalUnits = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
const binaryUnits = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

/** Go's `%.<precision>g` for a finite number. */
export function formatG(value: number, precision: number): string {
  if (value === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(Number(value.toPrecision(precision)))));
  if (exp < -4 || exp >= precision) {
    const [mant, e] = value.toExponential(precision - 1).split('e');
    const m = stripZeros(mant);
    const n = Number(e);
    return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  return stripZeros(value.toFixed(Math.max(0, precision - 1 - exp)));
}

function stripZeros(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** Decimal size with `precision` significant digits: 1984000 → "1.98MB" (precision 3). */
export function humanSize(bytes: number, precision = 4): string {
  let size = bytes;
  let i = 0;
  while (size >= 1000 && i < decimalUnits.length - 1) {
    size /= 1000;
    i++;
  }
  return `${formatG(size, precision)}${decimalUnits[i]}`;
}

/** Binary size as `docker stats` prints memory: "1.5MiB". */
export function bytesSize(bytes: number): string {
  let size = bytes;
  let i = 0;
  while (size >= 1024 && i < binaryUnits.length - 1) {
    size /= 1024;
    i++;
  }
  return `${formatG(size, 4)}${binaryUnits[i]}`;
}

/** go-units HumanDuration: "Less than a second", "3 seconds", "About a minute", "2 hours"... */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(ms / 3600000);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(ms / 3600000 / 24 / 365)} years`;
}

/** "5 seconds ago" for a Unix time in seconds. */
export function ago(unixSeconds: number, now = Date.now()): string {
  return `${humanDuration(now - unixSeconds * 1000)} ago`;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** Go's time.Time.String() without fractional seconds: "2026-11-21 19:16:21 +0000 UTC". */
export function goTimeString(date: Date): string {
  const offMin = -date.getTimezoneOffset();
  const sign = offMin < 0 ? '-' : '+';
  const abs = Math.abs(offMin);
  const zone = offMin === 0 ? 'UTC' : zoneAbbreviation(date);
  return (
    `${date.getFullYear()}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())} ` +
    `${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())} ` +
    `${sign}${pad2(Math.trunc(abs / 60))}${pad2(abs % 60)} ${zone}`
  );
}

function zoneAbbreviation(date: Date): string {
  const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' })
    .formatToParts(date)
    .find((p) => p.type === 'timeZoneName');
  return part?.value ?? '';
}

const durationUnits: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };

/** Parses a Go duration ("1m30s", "500ms", "10s") into milliseconds; throws on bad input. */
export function parseGoDuration(text: string): number {
  const s = text.trim();
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let pos = 0;
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    pos = 1;
  }
  if (pos >= s.length) throw new Error(`time: invalid duration "${text}"`);
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) {
      throw new Error(/^[\d.]+$/.test(s.slice(pos)) ? `time: missing unit in duration "${text}"` : `time: invalid duration "${text}"`);
    }
    total += Number(m[1]) * durationUnits[m[2]];
    pos = re.lastIndex;
  }
  return neg ? -total : total;
}

/** Parses docker's RAM sizes ("512m", "1g", "1024", "1.5GiB") into bytes (binary multiples). */
export function parseRamSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b)?$/i.exec(text.trim());
  if (!m) throw new Error(`invalid size: '${text}'`);
  const mult: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };
  return Math.trunc(Number(m[1]) * mult[m[2].toLowerCase()]);
}

/**
 * Docker's --since/--until values: RFC 3339 dates, Unix seconds (with fraction), or a
 * Go duration meaning "that long ago". Returns the string the API expects (seconds[.nanos]).
 */
export function parseTimestamp(value: string, now = Date.now()): string {
  if (/^\d+(\.\d+)?$/.test(value)) return value;
  try {
    const ms = parseGoDuration(value);
    return ((now - ms) / 1000).toFixed(9).replace(/\.?0+$/, '');
  } catch {
    // not a duration: try a date below
  }
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new Error(`failed to parse value as time or duration: "${value}"`);
  return String(Math.trunc(t / 1000));
}
