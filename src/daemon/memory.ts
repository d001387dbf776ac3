/**
 * Keeping a long-running, mostly idle daemon small. Node sizes V8 for throughput: young
 * generation semi-spaces that grow to 16 MiB each, and no collection at all while idle,
 * so garbage from the last pull or build (tens of MiB of buffers) stays.
 *
 * The settings are applied at run time (v8.setFlagsFromString) because the daemon is also
 * started as `node bin/wharf daemon`, where no command-line flag can be added.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createOptimizerGate, type OptimizerGate } from './optimizer-gate.js';

/** CPU time bulk requests use before TurboFan is switched on for them (optimizer-gate.ts). */
const BULK_OPTIMIZE_AFTER_CPU_MS = 400;

/** V8's default --bytecode-old-age. */
const BYTECODE_OLD_AGE = 5;

/** V8's flags are the process's: so is the one gate over them, made by tuneV8ForDaemon. */
let optimizerGate: OptimizerGate | undefined;

/** The gate that switches TurboFan for bulk work; undefined unless tuneV8ForDaemon ran. */
export function daemonOptimizerGate(): OptimizerGate | undefined {
  return optimizerGate;
}

/**
 * Applies the V8 settings. Call once in the daemon process only (not in tests or embedders),
 * before its modules load: start-up alone would otherwise grow the young generation.
 */
export function tuneV8ForDaemon(): void {
  // The young generation keeps its initial 1 MiB semi-spaces: scavenges stay cheap and
  // frequent, and the 30 MiB a grown new space would pin is never committed.
  setFlagsFromString('--semi-space-growth-factor=1');
  // TurboFan is off but for long bulk work (optimizer-gate.ts): idle RSS is 6-10 MiB lower.
  optimizerGate ??= createOptimizerGate({ afterCpuMs: BULK_OPTIMIZE_AFTER_CPU_MS });

  // Smaller heap growing steps and more eager memory reduction (about 2.5 MiB less at start).
  setFlagsFromString('--optimize-for-size');
  // Baseline (Sparkplug) code goes with the bytecode of functions that have not run for a
  // while (see fullGcFunction), instead of staying for the life of the daemon.
  setFlagsFromString('--flush-baseline-code');
}

/**
 * A full, precise and compacting garbage collection, through the `gc` function V8 installs
 * in new contexts while --expose-gc is on (the flag is switched back off at once).
 * Undefined if unavailable. Compacting: after a burst (50 containers started at once, say)
 * the old generation is left fragmented, and a plain full collection frees the objects but
 * keeps every page they were spread over (5 MiB more RSS for good, in that example).
 * Called with no argument: in Node 20's V8 an options object other than {type: 'minor'} or
 * {execution: 'async'} means a minor (young generation) collection.
 */
export function fullGcFunction(): (() => void) | undefined {
  let gc: unknown = (globalThis as { gc?: unknown }).gc;
  if (typeof gc !== 'function') {
    try {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc');
    } catch {
      return undefined;
    } finally {
      setFlagsFromString('--no-expose-gc');
    }
  }
  if (typeof gc !== 'function') return undefined;
  const collect = gc as () => void;
  return () => {
    setFlagsFromString('--compact-on-every-full-gc');
    try {
      // V8 drops the bytecode of functions not run for --bytecode-old-age (5) full
      // collections. Running that many (plus one) lets code used only by the last burst,
      // such as a build or the start-up, go too: about 1-2 MiB. Each takes a few ms on a
      // daemon-sized heap, once per idle spell.
      for (let i = 0; i < BYTECODE_OLD_AGE + 1; i++) collect();
    } finally {
      setFlagsFromString('--no-compact-on-every-full-gc');
    }
  };
}

export interface IdleCollector {
  /** Something happened (a request came or went): the idle clock restarts. */
  touch(): void;
  stop(): void;
}

/**
 * Runs `collect` once each time the daemon has been idle for `idleMs` after some
 * activity: the garbage of a burst of work is released when the burst is over, and an
 * idle daemon does not collect again and again. The timer never keeps the process alive.
 */
export function collectWhenIdle(collect: () => unknown, idleMs: number): IdleCollector {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  return {
    touch() {
      if (stopped) return;
      // Re-arming per request is cheap: refresh() only moves the existing timer.
      if (timer) timer.refresh();
      else {
        timer = setTimeout(() => {
          timer = undefined;
          collect();
        }, idleMs);
        timer.unref();
      }
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
