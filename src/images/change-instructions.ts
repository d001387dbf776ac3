import { posix } from 'node:path';
import { invalidParameter } from '../common/errors.js';
import type { ImageRuntimeConfig } from './types.js';

/** The Dockerfile instructions `docker import --change` and `docker commit --change` accept. */
const VALID = new Set(['cmd', 'entrypoint', 'env', 'expose', 'label', 'onbuild', 'stopsignal', 'user', 'volume', 'workdir']);

/** Expands `$VAR`, `${VAR}`, `${VAR:-default}` and `${VAR:+alt}` at `s[i]` (which is "$"). */
function expandAt(s: string, i: number, env: Map<string, string>): { text: string; next: number } {
  const braced = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:[-+])([^}]*))?\}/.exec(s.slice(i));
  if (braced) {
    const v = env.get(braced[1]);
    let text = v ?? '';
    if (braced[2] === ':-') text = v ? v : braced[3];
    if (braced[2] === ':+') text = v ? braced[3] : '';
    return { text, next: i + braced[0].length };
  }
  const plain = /^\$([A-Za-z_][A-Za-z0-9_]*)/.exec(s.slice(i));
  if (plain) return { text: env.get(plain[1]) ?? '', next: i + plain[0].length };
  return { text: '$', next: i + 1 };
}

/**
 * Splits shell-like words as the Dockerfile lexer does: quotes group and are removed,
 * backslash escapes, and with `env` given `$VAR` expands (not inside single quotes).
 */
export function splitWords(s: string, env?: Map<string, string>): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '$' && env && quote !== "'") {
      const { text, next } = expandAt(s, i, env);
      cur += text;
      inWord = true;
      i = next - 1;
    } else if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw invalidParameter(`unexpected end of statement while looking for matching ${quote}`);
  if (inWord) out.push(cur);
  return out;
}

/** JSON array form (`["a","b"]`) when it parses as an array of strings, else undefined. */
function jsonForm(rest: string): string[] | undefined {
  if (!rest.trim().startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(rest);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    // Docker falls back to shell form when the JSON is malformed.
  }
  return undefined;
}

/** key=value pairs, or the legacy "key value with spaces" form. */
function keyValues(instr: string, rest: string, env: Map<string, string>): Array<[string, string]> {
  const words = splitWords(rest, env);
  if (words.length === 0) throw invalidParameter(`${instr.toUpperCase()} requires at least one argument`);
  if (!words[0].includes('=')) {
    const [k, ...v] = rest.trim().split(/\s+/);
    if (v.length === 0) throw invalidParameter(`${instr.toUpperCase()} must have two arguments`);
    return [[k, splitWords(rest.trim().slice(k.length), env).join(' ')]];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw invalidParameter(`${instr.toUpperCase()} names can not be blank`);
    return [w.slice(0, eq), w.slice(eq + 1)];
  });
}

function ports(rest: string, env: Map<string, string>): string[] {
  const out: string[] = [];
  for (const w of splitWords(rest, env)) {
    const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(w);
    if (!m) throw invalidParameter(`invalid containerPort: ${w.split('/')[0]}`);
    const lo = Number(m[1]);
    const hi = m[2] ? Number(m[2]) : lo;
    if (lo < 1 || hi > 65535 || hi < lo) throw invalidParameter(`invalid containerPort: ${w.split('/')[0]}`);
    for (let p = lo; p <= hi; p++) out.push(`${p}/${(m[3] ?? 'tcp').toLowerCase()}`);
  }
  return out;
}

/**
 * Applies Dockerfile-style change lines to a runtime config (a copy is returned), as
 * `docker import -c` / `docker commit -c`. Unknown instructions are invalid-parameter
 * ("x is not a valid change command").
 */
export function applyChanges(base: ImageRuntimeConfig, changes: string[]): ImageRuntimeConfig {
  const cfg: ImageRuntimeConfig = structuredClone(base);
  let cmdSet = false;
  for (const line of changes.flatMap((c) => c.split('\n'))) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const m = /^(\S+)\s*([\s\S]*)$/.exec(trimmed) as RegExpExecArray;
    const instr = m[1].toLowerCase();
    const rest = m[2];
    // Variables expand against the config's environment as it stands at this instruction.
    const env = new Map((cfg.Env ?? []).map((e) => [e.split('=')[0], e.slice(e.indexOf('=') + 1)] as [string, string]));
    if (!VALID.has(instr)) throw invalidParameter(`${instr} is not a valid change command`);
    switch (instr) {
      case 'cmd':
        cfg.Cmd = jsonForm(rest) ?? ['/bin/sh', '-c', rest];
        cmdSet = true;
        break;
      case 'entrypoint':
        cfg.Entrypoint = jsonForm(rest) ?? (rest.trim() === '' ? null : ['/bin/sh', '-c', rest]);
        if (!cmdSet) cfg.Cmd = null;
        break;
      case 'env': {
        const list = [...(cfg.Env ?? [])];
        for (const [k, v] of keyValues(instr, rest, env)) {
          const i = list.findIndex((e) => e.split('=')[0] === k);
          if (i >= 0) list[i] = `${k}=${v}`;
          else list.push(`${k}=${v}`);
        }
        cfg.Env = list;
        break;
      }
      case 'label':
        cfg.Labels = { ...(cfg.Labels ?? {}), ...Object.fromEntries(keyValues(instr, rest, env)) };
        break;
      case 'expose':
        cfg.ExposedPorts = { ...(cfg.ExposedPorts ?? {}), ...Object.fromEntries(ports(rest, env).map((p) => [p, {}])) };
        break;
      case 'volume': {
        const vols = jsonForm(rest) ?? splitWords(rest, env);
        if (vols.length === 0 || vols.some((v) => v === '')) throw invalidParameter('VOLUME specified can not be an empty string');
        cfg.Volumes = { ...(cfg.Volumes ?? {}), ...Object.fromEntries(vols.map((v) => [v, {}])) };
        break;
      }
      case 'workdir': {
        const w = splitWords(rest, env).join(' ');
        if (!w) throw invalidParameter('WORKDIR requires exactly one argument');
        cfg.WorkingDir = w.startsWith('/') ? posix.normalize(w) : posix.join(cfg.WorkingDir || '/', w);
        break;
      }
      case 'user':
        cfg.User = splitWords(rest, env).join(' ');
        break;
      case 'stopsignal':
        cfg.StopSignal = splitWords(rest, env).join(' ');
        break;
      case 'onbuild': {
        const inner = rest.trim();
        const first = inner.split(/\s+/)[0]?.toUpperCase();
        if (!first) throw invalidParameter('ONBUILD requires at least one argument');
        if (first === 'ONBUILD') throw invalidParameter("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
        if (first === 'FROM' || first === 'MAINTAINER') throw invalidParameter(`${first} isn't allowed as an ONBUILD trigger`);
        cfg.OnBuild = [...(cfg.OnBuild ?? []), `${first}${inner.slice(first.length)}`];
        break;
      }
    }
  }
  return cfg;
}
