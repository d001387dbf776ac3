import { invalidParameter, WharfError } from '../common/errors.js';

/** HostConfig.LogConfig as the API carries it. */
export interface LogConfig {
  Type?: string;
  Config?: Record<string, string>;
}

/** How a container's output is kept, once its LogConfig has been checked. */
export type LogPlan =
  | { driver: 'none' }
  | {
      driver: 'json-file' | 'local';
      /** Bytes before the file is rotated; -1 for never. */
      maxSize: number;
      /** Files kept, the live one included (1: the live file is truncated instead). */
      maxFile: number;
      /** gzip rotated files. */
      compress: boolean;
      options: Record<string, string>;
    };

/** Drivers dockerd ships that this engine knows by name but does not provide. */
const OTHER_BUILTIN_DRIVERS = new Set(['syslog', 'journald', 'gelf', 'fluentd', 'awslogs', 'splunk', 'etwlogs', 'gcplogs', 'logentries']);

const JSON_FILE_OPTIONS = new Set(['max-file', 'max-size', 'compress', 'labels', 'labels-regex', 'env', 'env-regex', 'tag']);
const LOCAL_OPTIONS = new Set(['max-file', 'max-size', 'compress']);

/** A LogConfig the daemon could not act on at start: dockerd answers 500 and the container stays unstarted. */
export class LoggingInitError extends WharfError {
  constructor(reason: string) {
    super('internal', `failed to initialize logging driver: ${reason}`);
  }
}

/**
 * A container's LogConfig with the daemon's default (dockerd's --log-driver/--log-opt) laid
 * under it: an empty Type is the default driver, and for that driver the default options fill
 * in those the container does not set.
 */
export function mergeLogConfig(cfg: LogConfig | undefined, daemon: LogConfig = { Type: 'json-file' }): Required<LogConfig> {
  const type = cfg?.Type || daemon.Type || 'json-file';
  const config = { ...(cfg?.Config ?? {}) };
  if (type === (daemon.Type || 'json-file')) for (const [k, v] of Object.entries(daemon.Config ?? {})) if (!(k in config)) config[k] = v;
  return { Type: type, Config: config };
}

/** What dockerd checks at create: the driver exists and knows every option given (400 otherwise). */
export function validateLogConfig(cfg: LogConfig | undefined): void {
  const type = cfg?.Type || 'json-file';
  const opts = Object.keys(cfg?.Config ?? {});
  if (type === 'json-file') {
    for (const k of opts) if (!JSON_FILE_OPTIONS.has(k)) throw invalidParameter(`unknown log opt '${k}' for json-file log driver`);
    return;
  }
  if (type === 'local') {
    for (const k of opts) if (!LOCAL_OPTIONS.has(k)) throw invalidParameter(`unknown log opt '${k}' for log driver local`);
    return;
  }
  if (type === 'none' || OTHER_BUILTIN_DRIVERS.has(type)) return;
  throw invalidParameter(`error looking up logging plugin ${type}: plugin "${type}" not found`);
}

/** What dockerd checks when it starts the logger: option values (LoggingInitError otherwise). */
export function planLogging(cfg: LogConfig | undefined): LogPlan {
  try {
    return plan(cfg);
  } catch (err) {
    throw err instanceof LoggingInitError ? err : new LoggingInitError((err as Error).message);
  }
}

function plan(cfg: LogConfig | undefined): LogPlan {
  const type = cfg?.Type || 'json-file';
  const o = cfg?.Config ?? {};
  if (type === 'none') return { driver: 'none' };
  if (type === 'json-file') {
    let maxSize = -1;
    if (o['max-size'] !== undefined) {
      maxSize = parseSize(o['max-size']);
      if (maxSize <= 0) throw new Error('max-size must be a positive number');
    }
    const maxFile = o['max-file'] !== undefined ? parseGoInt(o['max-file']) : 1;
    if (maxFile < 1) throw new Error('max-file cannot be less than 1');
    const compress = o.compress !== undefined ? parseGoBool(o.compress) : false;
    if (compress && (maxFile < 2 || maxSize === -1)) {
      throw new Error('compress cannot be true when max-file is less than 2 or max-size is not set');
    }
    return { driver: 'json-file', maxSize, maxFile, compress, options: o };
  }
  if (type === 'local') {
    // dockerd's local driver keeps 5 files of 20 MB, compressed, unless told otherwise.
    let maxSize = 20 * 1024 * 1024;
    if (o['max-size'] !== undefined) {
      maxSize = withContext(`invalid value for max-size: ${o['max-size']}`, () => parseSize(o['max-size']!));
    }
    let maxFile = 5;
    if (o['max-file'] !== undefined) {
      maxFile = withContext(`invalid value for max-file: ${o['max-file']}`, () => parseGoInt(o['max-file']!));
    }
    const compress = o.compress !== undefined ? parseGoBool(o.compress) : true;
    if (compress && maxFile <= 1) throw new Error('compression cannot be enabled when max file count is 1');
    if (maxFile < 1) throw new Error('max-file cannot be less than 1');
    return { driver: 'local', maxSize: maxSize === 0 ? -1 : maxSize, maxFile, compress, options: {} };
  }
  throw new Error(`the ${type} logging driver is not available in this engine (json-file, local and none are)`);
}

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** A size as dockerd reads one (throws a plain Error with dockerd's wording) ("10m", "1.5k", "512KiB": binary multiples). */
export function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(s);
  if (!m) throw new Error(`invalid size: '${s}'`);
  return Math.floor(Number.parseFloat(m[1]!) * UNITS[(m[2] ?? '').toLowerCase()]!);
}

function withContext<T>(context: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    throw new Error(`${context}: ${(err as Error).message}`);
  }
}

function parseGoInt(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  return Number.parseInt(s, 10);
}

function parseGoBool(s: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  throw new Error(`strconv.ParseBool: parsing ${JSON.stringify(s)}: invalid syntax`);
}
