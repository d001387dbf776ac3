/**
 * The state a stage carries from step to step (Docker's dispatchState): the current image,
 * the runtime config being built, the ARGs in scope, and build-arg bookkeeping.
 */
import type { Image, ImageRuntimeConfig } from '../images/types.js';
import type { Env } from './dockerfile/shell-lex.js';

export const DEFAULT_SHELL = ['/bin/sh', '-c'];
export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Proxy args usable without an ARG line; kept out of history unless declared. */
export const PREDEFINED_ARGS = new Set([
  'HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy',
]);

/** --build-arg values and what the Dockerfile declared, shared by all stages of one build. */
export class BuildArgs {
  /** Global ARGs (before the first FROM) with their effective values. */
  readonly globals = new Map<string, string | undefined>();
  private readonly used = new Set<string>();

  constructor(readonly given: Map<string, string | undefined>) {}

  /** The value an ARG gets: --build-arg first, then its default (or the global's). */
  resolve(key: string, dflt: string | undefined, global = false): string | undefined {
    this.used.add(key);
    if (this.given.has(key) && this.given.get(key) !== undefined) return this.given.get(key);
    if (dflt !== undefined) return dflt;
    if (!global && this.globals.has(key)) return this.globals.get(key);
    return undefined;
  }

  /** --build-arg names no ARG consumed (Docker warns about them). */
  unused(): string[] {
    return [...this.given.keys()].filter((k) => !this.used.has(k) && !PREDEFINED_ARGS.has(k)).sort();
  }
}

export interface StageState {
  /** Current image; undefined while a `FROM scratch` stage has no step yet. */
  image?: Image;
  config: ImageRuntimeConfig;
  /** ARGs declared in this stage → effective value. */
  args: Map<string, string | undefined>;
  cmdSet: boolean;
  author?: string;
}

export function shellOf(state: StageState): string[] {
  return state.config.Shell && state.config.Shell.length > 0 ? state.config.Shell : DEFAULT_SHELL;
}

function envPairs(config: ImageRuntimeConfig): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of config.Env ?? []) {
    const eq = e.indexOf('=');
    if (eq < 0) m.set(e, '');
    else m.set(e.slice(0, eq), e.slice(eq + 1));
  }
  return m;
}

/** Variables for substitution: ARGs with values, overridden by ENV. */
export function substitutionEnv(state: StageState): Env {
  const env: Env = new Map();
  for (const [k, v] of state.args) if (v !== undefined) env.set(k, v);
  for (const [k, v] of envPairs(state.config)) env.set(k, v);
  return env;
}

/** Build args a RUN sees as environment (not shadowed by ENV), sorted, as "k=v". */
export function runArgEnv(state: StageState, args: BuildArgs): { all: string[]; recorded: string[] } {
  const env = envPairs(state.config);
  const all: string[] = [];
  const recorded: string[] = [];
  for (const [k, v] of state.args) {
    if (v === undefined || env.has(k)) continue;
    all.push(`${k}=${v}`);
    recorded.push(`${k}=${v}`);
  }
  for (const k of PREDEFINED_ARGS) {
    const v = args.given.get(k);
    if (v === undefined || state.args.has(k) || env.has(k)) continue;
    all.push(`${k}=${v}`);
  }
  return { all: all.sort(), recorded: recorded.sort() };
}

export function setEnv(config: ImageRuntimeConfig, key: string, value: string): void {
  const env = (config.Env ?? []).filter((e) => e.split('=')[0] !== key);
  const idx = (config.Env ?? []).findIndex((e) => e.split('=')[0] === key);
  if (idx >= 0) {
    const copy = [...(config.Env ?? [])];
    copy[idx] = `${key}=${value}`;
    config.Env = copy;
  } else config.Env = [...env, `${key}=${value}`];
}

export function cloneConfig(c: ImageRuntimeConfig | undefined): ImageRuntimeConfig {
  return JSON.parse(JSON.stringify(c ?? {})) as ImageRuntimeConfig;
}
