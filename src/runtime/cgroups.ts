import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The host's cgroup layout. v2: one unified tree at /sys/fs/cgroup. v1 (including the hybrid
 * layout, where /sys/fs/cgroup/unified holds an empty v2 tree): one tree per controller.
 * runc with the cgroupfs driver treats an absolute cgroupsPath as relative to each root.
 */
export interface CgroupLayout {
  version: 1 | 2;
  root: string;
  /** Can the memory controller limit swap (v1: memory.memsw.*; v2: memory.swap.max)? */
  swapLimit: boolean;
}

let cached: CgroupLayout | undefined;

export function detectCgroups(root = '/sys/fs/cgroup'): CgroupLayout {
  if (cached && cached.root === root) return cached;
  const v2 = existsSync(join(root, 'cgroup.controllers'));
  const swapLimit = v2
    ? existsSync(join(root, 'init.scope', 'memory.swap.max')) || hasControllerSwap(root)
    : existsSync(join(root, 'memory', 'memory.memsw.limit_in_bytes'));
  cached = { version: v2 ? 2 : 1, root, swapLimit };
  return cached;
}

/**
 * v2 shows memory.swap.max only in non-root cgroups and only with swap accounting; look in our
 * own cgroup and in init.scope. Without it, swap limits are left out (Docker warns likewise).
 */
function hasControllerSwap(root: string): boolean {
  try {
    const own = readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => l.startsWith('0::'));
    const rel = own?.slice(3).trim();
    return rel !== undefined && rel !== '/' && existsSync(join(root, rel, 'memory.swap.max'));
  } catch {
    return false;
  }
}

/** Folder of a container's cgroup for one controller (v1) or in the unified tree (v2). */
export function cgroupDir(layout: CgroupLayout, cgroupsPath: string, controller: string): string {
  const rel = cgroupsPath.replace(/^\/+/, '');
  return layout.version === 2 ? join(layout.root, rel) : join(layout.root, controller, rel);
}

export async function readCgroupFile(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

/** "key value" lines (memory.stat, cpu.stat, cpuacct.stat) into numbers. */
export function parseKeyValues(text: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (text ?? '').split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^-?[0-9]+$/.test(v)) out[k] = Number(v);
  }
  return out;
}

/** A limit file's value: "max" (v2) or a huge v1 sentinel means none. */
export function parseLimit(text: string | undefined): number | undefined {
  if (text === undefined || text === '' || text === 'max') return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n >= 2 ** 62) return undefined;
  return n;
}
