/** Small helpers shared by the command modules. */
import { ApiError, CliError } from '../cli-error.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../args.js';

/** `--filter k=v` values as the JSON filters docker sends: {"k":{"v":true}}. */
export function filtersParam(values: string[]): string | undefined {
  if (values.length === 0) return undefined;
  const out: Record<string, Record<string, boolean>> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq < 0) throw new CliError(`invalid argument "${v}" for "-f, --filter" flag: bad format of filter (expected name=value)`, 125);
    const k = v.slice(0, eq).trim().toLowerCase();
    (out[k] ??= {})[v.slice(eq + 1).trim()] = true;
  }
  return JSON.stringify(out);
}

/** docker's TruncateID: drop the algorithm prefix, keep 12 characters. */
export function shortId(id: string): string {
  const i = id.indexOf(':');
  return (i >= 0 ? id.slice(i + 1) : id).slice(0, 12);
}

/**
 * Runs an operation for each name, printing what `ok` returns on stdout as each one
 * succeeds and every error at the end, as docker's multi-object commands do (exit 1).
 */
export async function eachName(ctx: CliContext, names: string[], op: (name: string) => Promise<string | undefined>): Promise<number> {
  const errors: string[] = [];
  for (const name of names) {
    try {
      const line = await op(name);
      if (line !== undefined) ctx.stdout.write(`${line}\n`);
    } catch (err) {
      if (err instanceof ApiError) errors.push(err.display);
      else if (err instanceof CliError && err.exitCode === 1) errors.push(err.message);
      else throw err;
    }
  }
  if (errors.length > 0) {
    ctx.stderr.write(`${errors.join('\n')}\n`);
    return 1;
  }
  return 0;
}

/** Reads KEY=VALUE lines from --env-file / --label-file files (docker's rules). */
export async function readKeyValueFile(path: string, kind: 'env' | 'label'): Promise<string[]> {
  const { readFile } = await import('node:fs/promises');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`open ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`, 125);
  }
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^\s+/, '');
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq === 0) throw new CliError(`invalid ${kind} file (${path}): variable '${line}' contains whitespaces`, 125);
    if (eq < 0) {
      // A bare name takes its value from the CLI's own environment (env files only).
      if (kind === 'env') {
        const v = process.env[line.trim()];
        if (v !== undefined) out.push(`${line.trim()}=${v}`);
      } else out.push(line.trim());
    } else out.push(line);
  }
  return out;
}

/** Parses an integer flag, raising docker's usage error shape on bad input. */
export function intFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw new UsageError(`invalid argument "${value}" for "${flag}" flag: strconv.ParseInt: parsing "${value}": invalid syntax`, 'flag');
  return Number(value);
}

/** Writes with back-pressure and resolves once the chunk is handed to the OS. */
export function writeAsync(stream: NodeJS.WritableStream, chunk: Buffer | string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(chunk, (err) => (err ? reject(err) : resolve()));
  });
}

/**
 * `k=v` flag values (`--label`, `-o/--opt`) as a map; a bare `k` means an empty value.
 * `strictFlag`: the flag whose values must be key=value, as docker insists for `-o`.
 */
export function keyValues(values: string[], strictFlag?: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0 && strictFlag) throw new CliError(`invalid argument "${v}" for "${strictFlag}" flag: expected key=value`, 125);
    if (eq < 0) out[v] = '';
    else out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}
