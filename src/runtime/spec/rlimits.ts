import { readFileSync } from 'node:fs';
import { invalidParameter } from '../../common/errors.js';

export interface Rlimit { type: string; hard: number; soft: number }

/** /proc/<pid>/limits row titles by Docker's ulimit names. */
const LIMIT_ROWS: Record<string, string> = {
  core: 'Max core file size', cpu: 'Max cpu time', data: 'Max data size', fsize: 'Max file size',
  locks: 'Max file locks', memlock: 'Max locked memory', msgqueue: 'Max msgqueue size', nice: 'Max nice priority',
  nofile: 'Max open files', nproc: 'Max processes', rss: 'Max resident set', rtprio: 'Max realtime priority',
  rttime: 'Max realtime timeout', sigpending: 'Max pending signals', stack: 'Max stack size', as: 'Max address space',
};

/** Hard limits of this process (which runc inherits): a config above them cannot start. */
export function hostHardLimits(limitsText?: string): Map<string, number> {
  const text = limitsText ?? readFileSync('/proc/self/limits', 'utf8');
  const out = new Map<string, number>();
  for (const [name, title] of Object.entries(LIMIT_ROWS)) {
    const line = text.split('\n').find((l) => l.startsWith(title));
    if (!line) continue;
    const fields = line.slice(title.length).trim().split(/\s+/);
    const hard = fields[1] === 'unlimited' ? Infinity : Number(fields[1]);
    if (!Number.isNaN(hard)) out.set(name, hard);
  }
  return out;
}

/** Docker's containers get a high open-file limit (dockerd runs with LimitNOFILE=infinity); clamp it here. */
const DEFAULT_NOFILE = 1048576;

/**
 * The container's rlimits: a default RLIMIT_NOFILE plus the caller's ulimits, each clamped to the
 * host's hard limit (asking for more would make runc fail at start).
 */
export function buildRlimits(ulimits: { Name: string; Soft: number; Hard: number }[] = [], hard = hostHardLimits()): Rlimit[] {
  // -1 (Docker's "unlimited") becomes the host's hard limit; undefined when that is unlimited too.
  const clamp = (name: string, v: number): number | undefined => {
    const h = hard.get(name) ?? Infinity;
    const want = v < 0 ? Infinity : v;
    const got = Math.min(want, h);
    return got === Infinity ? undefined : got;
  };
  const byName = new Map<string, Rlimit>();
  const nofileHard = clamp('nofile', DEFAULT_NOFILE)!;
  byName.set('nofile', { type: 'RLIMIT_NOFILE', hard: nofileHard, soft: nofileHard });
  for (const u of ulimits) {
    const name = u.Name.toLowerCase();
    if (!(name in LIMIT_ROWS)) throw invalidParameter(`invalid ulimit type: ${u.Name}`);
    if (u.Soft > u.Hard && u.Hard >= 0) {
      throw invalidParameter(`ulimit soft limit must be less than or equal to hard limit: ${u.Soft} > ${u.Hard}`);
    }
    const h = clamp(name, u.Hard);
    if (h === undefined) {
      byName.delete(name); // unlimited everywhere: inherit the host's
      continue;
    }
    byName.set(name, { type: `RLIMIT_${name.toUpperCase()}`, hard: h, soft: Math.min(clamp(name, u.Soft) ?? h, h) });
  }
  return [...byName.values()];
}
