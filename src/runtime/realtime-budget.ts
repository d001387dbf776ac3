import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CgroupLayout } from './cgroups.js';

/** dockerd's --cpu-rt-period/--cpu-rt-runtime: the real-time budget of the containers' parent cgroup. */
export interface RealtimeBudget {
  period?: number;
  runtime?: number;
}

/** Whether the kernel schedules real-time tasks per cgroup (cgroup v1 with CONFIG_RT_GROUP_SCHED). */
export function realtimeSupported(layout: CgroupLayout): boolean {
  return layout.version === 1 && existsSync(join(layout.root, 'cpu', 'cpu.rt_runtime_us'));
}

/**
 * Gives the parent cgroup, and each cgroup above it, the daemon's real-time budget, as dockerd
 * does before it starts a container that asks for real-time time: a child can only have what
 * its parent has, and new cgroups start with none. Without a daemon budget nothing is written,
 * and the runtime's write of the container's own budget fails, as with dockerd.
 */
export async function grantRealtimeBudget(layout: CgroupLayout, parent: string, budget: RealtimeBudget): Promise<void> {
  if (!realtimeSupported(layout) || (!budget.period && !budget.runtime)) return;
  const chain: string[] = [];
  for (let p = parent.replace(/\/+$/, ''); p && p !== '/' && p !== '.'; p = dirname(p)) chain.unshift(p);
  for (const rel of chain) {
    const dir = join(layout.root, 'cpu', rel);
    await mkdir(dir, { recursive: true });
    if (budget.period) await writeFile(join(dir, 'cpu.rt_period_us'), String(budget.period));
    if (budget.runtime) await writeFile(join(dir, 'cpu.rt_runtime_us'), String(budget.runtime));
  }
}
