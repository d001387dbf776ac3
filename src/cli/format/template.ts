/**
 * Evaluates Go text/template programs (see template-parse.ts) over plain JS data, with
 * docker's extra functions (json, join, split, title, lower, upper, pad, truncate).
 * Values print as Go's fmt %v prints them: maps as map[k:v], slices as [a b].
 */
import { parseTemplate, TemplateError, type Arg, type BlockNode, type Command, type Node, type Pipe } from './template-parse.js';

export { TemplateError };

type Fn = (...args: unknown[]) => unknown;
const NO_VALUE = Symbol('no value');

/** Go's %v rendering of a value. */
export function goValueString(v: unknown, top = true): string {
  if (v === NO_VALUE || v === undefined) return top ? '<no value>' : '<nil>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 1e21 ? String(v) : goFloat(v);
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return `[${v.map((x) => goValueString(x, false)).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.toString === 'function' && o.toString !== Object.prototype.toString) return String(o);
    return `map[${Object.keys(o)
      .sort()
      .map((k) => `${k}:${goValueString(o[k], false)}`)
      .join(' ')}]`;
  }
  return String(v);
}

function goFloat(v: number): string {
  const s = String(v);
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

export function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === NO_VALUE || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

/** Go's fmt.Sprint: a space between operands when neither side is a string. */
function sprint(args: unknown[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += goValueString(a, false);
  });
  return out;
}

function sprintf(format: string, ...args: unknown[]): string {
  let n = 0;
  return format.replace(/%([-+# 0]*)(\d*)(?:\.(\d+))?([vsdqtfxX%])/g, (_m, flags: string, width: string, prec: string, verb: string) => {
    if (verb === '%') return '%';
    const a = args[n++];
    let s: string;
    switch (verb) {
      case 'q':
        s = JSON.stringify(goValueString(a, false));
        break;
      case 'f':
        s = Number(a).toFixed(prec ? Number(prec) : 6);
        break;
      case 'x':
      case 'X':
        s = typeof a === 'number' ? a.toString(16) : Buffer.from(String(a)).toString('hex');
        if (verb === 'X') s = s.toUpperCase();
        break;
      case 'd':
        s = String(Math.trunc(Number(a)));
        break;
      default:
        s = goValueString(a, false);
        if (prec && verb === 's') s = s.slice(0, Number(prec));
    }
    const w = Number(width || 0);
    return flags.includes('-') ? s.padEnd(w) : s.padStart(w, flags.includes('0') && verb !== 's' ? '0' : ' ');
  });
}

function compare(a: unknown, b: unknown): number {
  if (typeof a !== typeof b) throw new TemplateError('error calling lt: incompatible types for comparison');
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

function goJson(v: unknown): string {
  return JSON.stringify(v === undefined || v === NO_VALUE ? null : v) ?? 'null';
}

const builtins: Record<string, Fn> = {
  and: (...a) => a.find((x) => !truthy(x)) ?? a[a.length - 1],
  or: (...a) => a.find((x) => truthy(x)) ?? a[a.length - 1],
  not: (a) => !truthy(a),
  len: (a) => (Array.isArray(a) || typeof a === 'string' ? a.length : a && typeof a === 'object' ? Object.keys(a).length : 0),
  index: (x, ...keys) => {
    let v: unknown = x;
    for (const k of keys) {
      if (v === null || v === undefined) throw new TemplateError('error calling index: index of untyped nil');
      if (Array.isArray(v) && (typeof k !== 'number' || k < 0 || k >= v.length)) {
        throw new TemplateError(`error calling index: index out of range: ${String(k)}`);
      }
      v = (v as Record<string, unknown>)[String(k)];
    }
    return v === undefined ? NO_VALUE : v;
  },
  slice: (x, ...idx) => (x as string | unknown[]).slice(...(idx as number[])),
  print: (...a) => sprint(a),
  println: (...a) => `${a.map((x) => goValueString(x, false)).join(' ')}\n`,
  printf: (f, ...a) => sprintf(String(f), ...a),
  eq: (a, ...b) => b.some((x) => x === a || (x == null && a == null)),
  ne: (a, b) => a !== b,
  lt: (a, b) => compare(a, b) < 0,
  le: (a, b) => compare(a, b) <= 0,
  gt: (a, b) => compare(a, b) > 0,
  ge: (a, b) => compare(a, b) >= 0,
  urlquery: (...a) => encodeURIComponent(sprint(a)),
  html: (...a) => sprint(a).replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`),
  js: (...a) => JSON.stringify(sprint(a)).slice(1, -1),
  // docker's additions
  json: (v) => goJson(v),
  join: (list, sep) => (Array.isArray(list) ? list.map((x) => goValueString(x, false)).join(String(sep)) : goValueString(list, false)),
  split: (s, sep) => String(s).split(String(sep)),
  title: (s) => String(s).replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_m, a: string, b: string) => a + b.toUpperCase()),
  lower: (s) => String(s).toLowerCase(),
  upper: (s) => String(s).toUpperCase(),
  pad: (s, l, r) => ' '.repeat(Number(l)) + goValueString(s, false) + ' '.repeat(Number(r)),
  truncate: (s, n) => {
    const chars = [...String(s)];
    return chars.length > Number(n) ? chars.slice(0, Number(n)).join('') : String(s);
  },
};

export interface TemplateOptions {
  /** "error" (docker inspect): a missing map key fails; "zero": it prints <no value>. */
  missingKey?: 'error' | 'zero';
}

class Exec {
  private vars: { name: string; value: unknown }[];
  private out = '';
  constructor(
    root: unknown,
    private readonly source: string,
    private readonly opts: TemplateOptions,
  ) {
    this.vars = [{ name: '$', value: root }];
  }

  run(nodes: Node[], dot: unknown): string {
    this.list(nodes, dot);
    return this.out;
  }

  private list(nodes: Node[], dot: unknown): 'break' | 'continue' | undefined {
    for (const n of nodes) {
      const mark = this.vars.length;
      let flow: 'break' | 'continue' | undefined;
      switch (n.t) {
        case 'text':
          this.out += n.s;
          break;
        case 'action': {
          const v = this.pipe(n.pipe, dot);
          if (n.pipe.decl.length === 0) this.out += goValueString(v);
          continue; // declarations stay visible to the rest of the list
        }
        case 'if':
        case 'with': {
          const v = this.pipe(n.pipe, dot);
          if (truthy(v)) flow = this.list(n.body, n.t === 'with' ? v : dot);
          else if (n.else) flow = this.list(n.else, dot);
          break;
        }
        case 'range':
          flow = this.range(n, dot);
          break;
        case 'break':
        case 'continue':
          return n.t;
      }
      this.vars.length = mark;
      if (flow) return flow;
    }
    return undefined;
  }

  private range(n: BlockNode, dot: unknown): 'break' | 'continue' | undefined {
    const decl = n.pipe.decl;
    const v = this.pipe({ ...n.pipe, decl: [] }, dot);
    let entries: [unknown, unknown][] = [];
    if (Array.isArray(v)) entries = v.map((x, i) => [i, x]);
    else if (typeof v === 'number') entries = Array.from({ length: v }, (_x, i) => [i, i]);
    else if (v && typeof v === 'object') entries = Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]);
    else if (v !== null && v !== undefined && v !== NO_VALUE) throw new TemplateError(`range can't iterate over ${goValueString(v)}`);
    if (entries.length === 0) {
      if (n.else) return this.list(n.else, dot);
      return undefined;
    }
    for (const [k, x] of entries) {
      const mark = this.vars.length;
      if (decl.length === 1) this.vars.push({ name: decl[0], value: x });
      if (decl.length === 2) this.vars.push({ name: decl[0], value: k }, { name: decl[1], value: x });
      const flow = this.list(n.body, x);
      this.vars.length = mark;
      if (flow === 'break') break;
    }
    return undefined;
  }

  private pipe(p: Pipe, dot: unknown): unknown {
    let value: unknown = NO_VALUE;
    p.cmds.forEach((cmd, i) => {
      value = this.command(cmd, dot, i > 0 ? [value] : []);
    });
    if (p.decl.length > 0) {
      if (p.assign) {
        const slot = [...this.vars].reverse().find((x) => x.name === p.decl[0]);
        if (!slot) throw new TemplateError(`undefined variable: ${p.decl[0]}`);
        slot.value = value;
      } else {
        this.vars.push({ name: p.decl[0], value });
      }
    }
    return value;
  }

  private command(cmd: Command, dot: unknown, piped: unknown[]): unknown {
    const [head, ...rest] = cmd;
    const args = () => [...rest.map((a) => this.operand(a, dot)), ...piped];
    if (head.t === 'ident') {
      const fn = builtins[head.name];
      if (!fn) throw new TemplateError(`template: :1: function "${head.name}" not defined`);
      return fn(...args());
    }
    if (head.t === 'field') {
      const v = this.field(head, dot, true);
      if (typeof v === 'function') return (v as Fn)(...args());
    }
    if (rest.length > 0 || piped.length > 0) {
      throw new TemplateError(`can't give argument to non-function ${head.t === 'field' ? head.src : 'value'}`);
    }
    return this.operand(head, dot);
  }

  private operand(a: Arg, dot: unknown): unknown {
    if (a.t === 'lit') return a.v;
    if (a.t === 'ident') {
      const fn = builtins[a.name];
      if (!fn) throw new TemplateError(`template: :1: function "${a.name}" not defined`);
      return fn();
    }
    const v = this.field(a, dot, false);
    return typeof v === 'function' ? (v as Fn)() : v;
  }

  private error(a: Extract<Arg, { t: 'field' }>, what: string): TemplateError {
    const before = this.source.slice(0, a.pos);
    const line = before.split('\n').length;
    const col = a.pos - (before.lastIndexOf('\n') + 1);
    return new TemplateError(`template: :${line}:${col}: executing "" at <${a.src}>: ${what}`);
  }

  /** Resolves a field chain; with `keepLastFn` a method at the end is returned uncalled. */
  private field(a: Extract<Arg, { t: 'field' }>, dot: unknown, keepLastFn: boolean): unknown {
    let v: unknown;
    if (a.base === 'dot') v = dot;
    else if ('v' in a.base) {
      const name = a.base.v;
      const slot = [...this.vars].reverse().find((x) => x.name === name);
      if (!slot) throw new TemplateError(`template: :1: undefined variable "${name}"`);
      v = slot.value;
    } else v = this.pipe(a.base.pipe, dot);
    a.path.forEach((name, i) => {
      if (typeof v === 'function') v = (v as Fn)();
      if (v === null || v === undefined || v === NO_VALUE) {
        throw this.error(a, `nil pointer evaluating interface {}.${name}`);
      }
      if (typeof v !== 'object' || Array.isArray(v)) {
        throw this.error(a, `can't evaluate field ${name} in type ${Array.isArray(v) ? '[]interface {}' : typeof v}`);
      }
      if (!Object.prototype.hasOwnProperty.call(v, name) && this.opts.missingKey === 'error') {
        throw this.error(a, `map has no entry for key "${name}"`);
      }
      const next = (v as Record<string, unknown>)[name];
      v = next === undefined ? NO_VALUE : next;
      if (i === a.path.length - 1 && !keepLastFn && typeof v === 'function') v = (v as Fn)();
    });
    return v;
  }
}

/** A parsed template, ready to run against many values. */
export class GoTemplate {
  private readonly nodes: Node[];
  constructor(
    readonly source: string,
    private readonly opts: TemplateOptions = {},
  ) {
    this.nodes = parseTemplate(source);
  }
  execute(data: unknown): string {
    return new Exec(data, this.source, this.opts).run(this.nodes, data);
  }
}

/** Parse and run once. */
export function renderTemplate(source: string, data: unknown, opts: TemplateOptions = {}): string {
  return new GoTemplate(source, opts).execute(data);
}
