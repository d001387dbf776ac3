/**
 * Command-line flag parsing with docker's (pflag's) rules: `--flag value`, `--flag=value`,
 * combined short flags (`-dit`), a short flag's value attached (`-p8080:80`, `-e=X`),
 * `--` ending the flags, `-` as an argument, bool flags taking only `=value`, and for
 * run/create/exec no flags after the first argument (they belong to the container).
 */
import { byCodeUnit } from '../common/string-order.js';

export type FlagType = 'bool' | 'string' | 'list' | 'int';

export interface FlagSpec {
  /** Long name without dashes; also the key in the parsed result. */
  name: string;
  short?: string;
  type: FlagType;
  /** Other long spellings (e.g. `tail` for logs' `-n`). */
  aliases?: string[];
}

export interface CommandSpec {
  /** Full command path as typed, e.g. "run" or "container ls". */
  name: string;
  /** Usage line after "wharf ", e.g. "run [OPTIONS] IMAGE [COMMAND] [ARG...]". */
  usage: string;
  description?: string;
  flags: FlagSpec[];
  /** false: the first positional argument ends flag parsing (run, create, exec). */
  interspersed?: boolean;
  minArgs?: number;
  maxArgs?: number;
}

/** A command-line mistake; exit status 125 like docker's flag errors. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly kind: 'flag' | 'args',
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export class ParsedArgs {
  constructor(
    readonly args: string[],
    private readonly values: Map<string, string[] | boolean>,
    /** Flags the user gave explicitly, in order. */
    readonly given: Set<string>,
  ) {}

  bool(name: string, fallback = false): boolean {
    const v = this.values.get(name);
    return typeof v === 'boolean' ? v : fallback;
  }
  string(name: string): string | undefined {
    const v = this.values.get(name);
    return Array.isArray(v) ? v[v.length - 1] : undefined;
  }
  list(name: string): string[] {
    const v = this.values.get(name);
    return Array.isArray(v) ? v : [];
  }
  int(name: string): number | undefined {
    const s = this.string(name);
    if (s === undefined) return undefined;
    if (!/^[-+]?\d+$/.test(s.trim())) {
      throw new UsageError(`invalid argument "${s}" for "--${name}" flag: strconv.ParseInt: parsing "${s}": invalid syntax`, 'flag');
    }
    return Number(s);
  }
  has(name: string): boolean {
    return this.given.has(name);
  }
}

const boolValues: Record<string, boolean> = { true: true, '1': true, t: true, T: true, TRUE: true, True: true, false: false, '0': false, f: false, F: false, FALSE: false, False: false };

/** Parses argv (after the command words) against a spec. Throws UsageError. */
export function parseArgs(spec: CommandSpec, argv: string[]): ParsedArgs {
  const byLong = new Map<string, FlagSpec>();
  const byShort = new Map<string, FlagSpec>();
  for (const f of spec.flags) {
    byLong.set(f.name, f);
    for (const a of f.aliases ?? []) byLong.set(a, f);
    if (f.short) byShort.set(f.short, f);
  }
  const values = new Map<string, string[] | boolean>();
  const given = new Set<string>();
  const args: string[] = [];

  const set = (f: FlagSpec, value: string | boolean, shown: string) => {
    given.add(f.name);
    if (f.type === 'bool') {
      if (typeof value === 'string') {
        const b = boolValues[value];
        if (b === undefined) throw new UsageError(`invalid argument "${value}" for "${shown}" flag: strconv.ParseBool: parsing "${value}": invalid syntax`, 'flag');
        values.set(f.name, b);
      } else values.set(f.name, value);
      return;
    }
    const v = String(value);
    if (f.type === 'list') {
      const prev = values.get(f.name);
      values.set(f.name, Array.isArray(prev) ? [...prev, v] : [v]);
    } else {
      values.set(f.name, [v]);
    }
  };

  let i = 0;
  while (i < argv.length) {
    const a = argv[i++];
    if (a === '--') {
      args.push(...argv.slice(i));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const f = byLong.get(name);
      if (!f) throw new UsageError(`unknown flag: --${name}`, 'flag');
      if (eq >= 0) set(f, a.slice(eq + 1), `--${name}`);
      else if (f.type === 'bool') set(f, true, `--${name}`);
      else {
        if (i >= argv.length) throw new UsageError(`flag needs an argument: --${name}`, 'flag');
        set(f, argv[i++], `--${name}`);
      }
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j];
        const f = byShort.get(c);
        if (!f) throw new UsageError(`unknown shorthand flag: '${c}' in ${a}`, 'flag');
        if (f.type === 'bool') {
          if (a[j + 1] === '=') {
            set(f, a.slice(j + 2), `-${c}, --${f.name}`);
            break;
          }
          set(f, true, `-${c}`);
          continue;
        }
        let value = a.slice(j + 1);
        if (value.startsWith('=')) value = value.slice(1);
        else if (value === '') {
          if (i >= argv.length) throw new UsageError(`flag needs an argument: '${c}' in -${c}`, 'flag');
          value = argv[i++];
        }
        set(f, value, `-${c}, --${f.name}`);
        break;
      }
      continue;
    }
    args.push(a);
    if (spec.interspersed === false) {
      args.push(...argv.slice(i));
      break;
    }
  }
  return new ParsedArgs(args, values, given);
}

/** Checks the positional argument count as cobra's Args validators do (exit 1 errors). */
export function checkArgCount(spec: CommandSpec, count: number): void {
  const cmd = `wharf ${spec.name}`;
  const { minArgs = 0, maxArgs = Infinity } = spec;
  const plural = (n: number) => (n === 1 ? 'argument' : 'arguments');
  if (maxArgs === 0 && count > 0) throw new UsageError(`'${cmd}' accepts no arguments`, 'args');
  if (minArgs === maxArgs && count !== minArgs) {
    throw new UsageError(`'${cmd}' requires ${minArgs === 0 ? 'no' : `exactly ${minArgs}`} ${plural(minArgs)}`, 'args');
  }
  if (count < minArgs) throw new UsageError(`'${cmd}' requires at least ${minArgs} ${plural(minArgs)}`, 'args');
  if (count > maxArgs) {
    throw new UsageError(maxArgs === 0 ? `'${cmd}' accepts no arguments` : `'${cmd}' requires at most ${maxArgs} ${plural(maxArgs)}`, 'args');
  }
}

/** Renders a spec's help text (docker's layout, abridged). */
export function helpText(spec: CommandSpec): string {
  const lines = [`\nUsage:  wharf ${spec.usage}\n`];
  if (spec.description) lines.push(`${spec.description}\n`);
  if (spec.flags.length > 0) {
    lines.push('Options:');
    for (const f of [...spec.flags].sort((x, y) => byCodeUnit(x.name, y.name))) {
      const short = f.short ? `-${f.short}, ` : '    ';
      const type = f.type === 'bool' ? '' : f.type === 'list' ? ' list' : f.type === 'int' ? ' int' : ' string';
      lines.push(`  ${short}--${f.name}${type}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
