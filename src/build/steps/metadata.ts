/**
 * Instructions that change only the image config (no filesystem work): each returns the
 * new config and the history comment Docker's legacy builder records for it
 * (`/bin/sh -c #(nop)  <comment>`).
 */
import type { ImageRuntimeConfig, HealthConfig } from '../../images/types.js';
import type { CommandLine, Instruction, KeyValue } from '../dockerfile/instructions.js';
import { processWord, processWords, type Env } from '../dockerfile/shell-lex.js';
import { goQuoteSlice, goSlice, healthcheckComment, parseGoDuration } from '../go-format.js';
import { cloneConfig, setEnv, shellOf, type BuildArgs, type StageState } from '../stage-state.js';

export class StepError extends Error {
  /** A failing RUN's exit code (Docker reports it as the error's code). */
  constructor(message: string, readonly code?: number) {
    super(message);
  }
}

export interface MetaResult {
  config: ImageRuntimeConfig;
  comment: string;
  cmdSet?: boolean;
  author?: string;
  /** ARG: the args now in scope. */
  args?: Map<string, string | undefined>;
}

export function commandArgs(cmd: CommandLine, state: StageState): string[] {
  return cmd.exec ? cmd.args : [...shellOf(state), cmd.text];
}

function pairs(list: KeyValue[], env: Env, escape: string): [string, string][] {
  // Every pair of one instruction is expanded against the state before it, as Docker does.
  return list.map((p) => [processWord(p.key, env, escape), processWord(p.value ?? '', env, escape)]);
}

const SIGNALS = new Set([
  'ABRT', 'ALRM', 'BUS', 'CHLD', 'CLD', 'CONT', 'FPE', 'HUP', 'ILL', 'INT', 'IO', 'IOT', 'KILL', 'PIPE', 'POLL', 'PROF', 'PWR', 'QUIT',
  'SEGV', 'STKFLT', 'STOP', 'SYS', 'TERM', 'TRAP', 'TSTP', 'TTIN', 'TTOU', 'URG', 'USR1', 'USR2', 'VTALRM', 'WINCH', 'XCPU', 'XFSZ',
]);

function validSignal(s: string): boolean {
  if (/^\d+$/.test(s)) return Number(s) > 0 && Number(s) < 65;
  const n = s.toUpperCase().replace(/^SIG/, '');
  return SIGNALS.has(n) || /^RTMIN(\+\d+)?$|^RTMAX(-\d+)?$/.test(n);
}

/** EXPOSE words → "port/proto" keys (ranges expanded). */
export function exposedPorts(words: string[]): string[] {
  const out: string[] = [];
  for (const w of words) {
    const m = /^(?:[^:]*:)?(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(w);
    if (!m) throw new StepError(`Invalid containerPort: ${w.split('/')[0]}`);
    const start = Number(m[1]);
    const end = m[2] ? Number(m[2]) : start;
    const proto = (m[3] ?? 'tcp').toLowerCase();
    for (let p = start; p <= end; p++) out.push(`${p}/${proto}`);
  }
  return out;
}

function duration(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  let ns: number;
  try {
    ns = parseGoDuration(text);
  } catch (err) {
    throw new StepError((err as Error).message);
  }
  if (ns !== 0 && ns < 1e6) throw new StepError(`Interval "${flag}" cannot be less than 1ms`);
  if (ns < 0) throw new StepError(`Interval "${flag}" cannot be negative`);
  return ns;
}

export function applyMetadata(inst: Instruction, state: StageState, env: Env, escape: string, buildArgs: BuildArgs): MetaResult {
  const config = cloneConfig(state.config);
  switch (inst.kind) {
    case 'env': {
      const kv = pairs(inst.pairs, env, escape);
      for (const [k, v] of kv) setEnv(config, k, v);
      return { config, comment: `ENV ${kv.map(([k, v]) => `${k}=${v}`).join(' ')}` };
    }
    case 'label': {
      const kv = pairs(inst.pairs, env, escape);
      config.Labels = { ...(config.Labels ?? {}) };
      for (const [k, v] of kv) config.Labels[k] = v;
      return { config, comment: `LABEL ${kv.map(([k, v]) => `${k}=${v}`).join(' ')}` };
    }
    case 'arg': {
      const args = new Map(state.args);
      const parts: string[] = [];
      for (const p of inst.pairs) {
        const dflt = p.value === undefined ? undefined : processWord(p.value, env, escape);
        args.set(p.key, buildArgs.resolve(p.key, dflt));
        parts.push(dflt === undefined ? p.key : `${p.key}=${dflt}`);
      }
      return { config, comment: `ARG ${parts.join(' ')}`, args };
    }
    case 'cmd': {
      config.Cmd = commandArgs(inst.cmd, state);
      return { config, comment: `CMD ${goQuoteSlice(config.Cmd)}`, cmdSet: true };
    }
    case 'entrypoint': {
      config.Entrypoint = commandArgs(inst.cmd, state);
      if (!state.cmdSet) config.Cmd = null;
      return { config, comment: `ENTRYPOINT ${goQuoteSlice(config.Entrypoint)}` };
    }
    case 'expose': {
      const words = processWords(inst.text, env, escape);
      config.ExposedPorts = { ...(config.ExposedPorts ?? {}) };
      for (const p of exposedPorts(words)) config.ExposedPorts[p] = {};
      // Docker records the ports sorted (as strings).
      return { config, comment: `EXPOSE ${[...words].sort().join(' ')}` };
    }
    case 'volume': {
      const vols = inst.json ? inst.json.map((v) => processWord(v, env, escape)) : processWords(inst.text ?? '', env, escape);
      config.Volumes = { ...(config.Volumes ?? {}) };
      for (const v of vols) {
        if (v.trim() === '') throw new StepError('VOLUME specified can not be an empty string');
        config.Volumes[v] = {};
      }
      return { config, comment: `VOLUME ${goSlice(vols)}` };
    }
    case 'user': {
      config.User = processWord(inst.text, env, escape);
      return { config, comment: `USER ${config.User}` };
    }
    case 'stopsignal': {
      const sig = processWord(inst.text, env, escape);
      if (!validSignal(sig)) throw new StepError(`Invalid signal: ${sig}`);
      config.StopSignal = sig;
      return { config, comment: `STOPSIGNAL ${sig}` };
    }
    case 'maintainer':
      return { config, comment: `MAINTAINER ${inst.text}`, author: inst.text };
    case 'shell':
      config.Shell = inst.shell;
      return { config, comment: `SHELL ${goSlice(inst.shell)}` };
    case 'onbuild':
      config.OnBuild = [...(config.OnBuild ?? []), inst.expression];
      return { config, comment: `ONBUILD ${inst.expression}` };
    case 'healthcheck': {
      let hc: HealthConfig;
      if (inst.none) hc = { Test: ['NONE'] };
      else {
        const test = inst.cmd.exec ? ['CMD', ...inst.cmd.args] : ['CMD-SHELL', inst.cmd.text];
        hc = { Test: test };
        const interval = duration('--interval', inst.interval);
        const timeout = duration('--timeout', inst.timeout);
        const start = duration('--start-period', inst.startPeriod);
        const startInterval = duration('--start-interval', inst.startInterval);
        if (interval) hc.Interval = interval;
        if (timeout) hc.Timeout = timeout;
        if (start) hc.StartPeriod = start;
        if (startInterval) hc.StartInterval = startInterval;
        if (inst.retries !== undefined) {
          const r = Number(inst.retries);
          if (!Number.isInteger(r)) throw new StepError(`strconv.ParseInt: parsing "${inst.retries}": invalid syntax`);
          if (r < 1) throw new StepError('--retries must be at least 1');
          hc.Retries = r;
        }
      }
      config.Healthcheck = hc;
      return { config, comment: `HEALTHCHECK ${healthcheckComment(hc)}` };
    }
    default:
      throw new StepError(`not a metadata instruction: ${inst.kind}`);
  }
}
