/**
 * V8's optimizing compiler (TurboFan) only while the daemon does bulk work that needs it.
 *
 * An idle daemon pays for TurboFan whether or not its work needs it: the compiler's own
 * machine code (several MiB of the node binary) is paged in, and its background compile
 * threads keep malloc arenas of their own. Start-up alone (the module loader's URL code is
 * hot enough) cost 6-10 MiB of RSS that way. Serving ordinary API calls does not need it,
 * but tar parsing, hashing and layer writing (builds, pulls, pushes, load/save, export, cp)
 * ran 1.4-2x slower without it. So TurboFan is switched on while such requests are in
 * flight and have used real CPU, and off again when the last one ends. Code it optimized
 * stays optimized; switching off only stops new compilations. `--turbofan` has to be named
 * when switching back on: lowering --max-opt instead cannot be undone at run time.
 */
import { setFlagsFromString } from 'node:v8';

/** Matches API paths (version prefix removed) whose handling moves layers or archives. */
const BULK_ROUTES: { method: string; path: RegExp }[] = [
  { method: 'POST', path: /^\/build$/ },
  { method: 'POST', path: /^\/images\/create$/ },
  { method: 'POST', path: /^\/images\/load$/ },
  { method: 'GET', path: /^\/images\/get$/ },
  { method: 'GET', path: /^\/images\/.+\/get$/ },
  { method: 'POST', path: /^\/images\/.+\/push$/ },
  { method: 'POST', path: /^\/commit$/ },
  { method: 'GET', path: /^\/containers\/[^/]+\/export$/ },
  { method: 'GET', path: /^\/containers\/[^/]+\/archive$/ },
  { method: 'PUT', path: /^\/containers\/[^/]+\/archive$/ },
  // A long log read out is one JSON record per line; following a quiet one uses no CPU.
  { method: 'GET', path: /^\/containers\/[^/]+\/logs$/ },
];

/** True for a request whose handling parses or writes tar streams, layer blobs or whole logs. */
export function isBulkRequest(method: string | undefined, url: string | undefined): boolean {
  if (!method || !url) return false;
  const q = url.indexOf('?');
  const path = (q < 0 ? url : url.slice(0, q)).replace(/^\/v\d+\.\d+(?=\/)/, '');
  return BULK_ROUTES.some((r) => r.method === method && r.path.test(path));
}

export interface OptimizerGate {
  /** A bulk operation begins; the returned function ends it (calling it twice is harmless). */
  open(): () => void;
  /** Whether TurboFan is on now. */
  readonly optimizing: boolean;
}

export interface OptimizerGateOptions {
  /** Daemon CPU time (ms) that bulk work must use before TurboFan is switched on. */
  afterCpuMs?: number;
  /** How often the CPU time is read while bulk work is in flight. */
  pollMs?: number;
  /** Replaceable so tests can drive the policy without touching V8 or burning CPU. */
  setFlags?: (flags: string) => void;
  cpuMs?: () => number;
}

const processCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * Creates the gate and switches TurboFan off at once (call before the daemon's modules load).
 * TurboFan comes on only when bulk work has used `afterCpuMs` of CPU since the first of the
 * operations in flight began: a small import, a short cp or a build that mostly waits for its
 * RUN containers ends before optimized code would pay for itself, and would page the
 * compiler in for nothing. It goes off when the last operation ends.
 */
export function createOptimizerGate(opts: OptimizerGateOptions = {}): OptimizerGate {
  const { afterCpuMs = 0, pollMs = 50, setFlags = setFlagsFromString, cpuMs = processCpuMs } = opts;
  let inFlight = 0;
  let optimizing = false;
  let poll: NodeJS.Timeout | undefined;
  const switchOn = () => {
    clearInterval(poll);
    poll = undefined;
    optimizing = true;
    setFlags('--turbofan');
  };
  setFlags('--no-turbofan');
  return {
    open() {
      if (inFlight++ === 0) {
        if (afterCpuMs <= 0) switchOn();
        else {
          const start = cpuMs();
          poll = setInterval(() => {
            if (cpuMs() - start >= afterCpuMs) switchOn();
          }, pollMs);
          poll.unref();
        }
      }
      let done = false;
      return () => {
        if (done) return;
        done = true;
        if (--inFlight > 0) return;
        clearInterval(poll);
        poll = undefined;
        if (optimizing) {
          optimizing = false;
          setFlags('--no-turbofan');
        }
      };
    },
    get optimizing() {
      return optimizing;
    },
  };
}
