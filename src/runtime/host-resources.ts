import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { detectCgroups, type CgroupLayout } from './cgroups.js';
import { realtimeSupported } from './realtime-budget.js';

/** What the host's cgroups can limit, as dockerd's sysinfo reports it for validating resources. */
export interface HostResources {
  /** Online CPUs (Docker's NumCPU). */
  ncpu: number;
  /** CPUs and memory nodes containers may be pinned to, in cpuset list form ("0-3", "0"). */
  cpus: string;
  mems: string;
  /** Memory+swap can be limited (v1 memory.memsw.*, v2 memory.swap.max). */
  swapLimit: boolean;
  /** Block I/O can be weighted (v1 blkio.weight; v2 the io controller). */
  blkioWeight: boolean;
  /** Real-time CPU time can be budgeted per cgroup (v1 cpu.rt_runtime_us). */
  cpuRealtime: boolean;
}

/** Reads the host's limits; cheap enough per request (a few small files). */
export function hostResources(layout: CgroupLayout = detectCgroups()): HostResources {
  const ncpu = availableParallelism();
  const read = (p: string) => {
    try {
      return readFileSync(p, 'utf8').trim();
    } catch {
      return '';
    }
  };
  const cpusetDir = layout.version === 2 ? layout.root : join(layout.root, 'cpuset');
  const effective = (name: string) => read(join(cpusetDir, `${name}.effective`)) || read(join(cpusetDir, name));
  return {
    ncpu,
    cpus: effective('cpuset.cpus') || (ncpu > 1 ? `0-${ncpu - 1}` : '0'),
    mems: effective('cpuset.mems') || '0',
    swapLimit: layout.swapLimit,
    blkioWeight: blkioWeightSupported(layout),
    cpuRealtime: realtimeSupported(layout),
  };
}

/**
 * Docker looks for v1's blkio.weight (absent when the kernel's only weighting scheduler is BFQ,
 * as on this kind of host) or, on v2, for the io controller at the root.
 */
export function blkioWeightSupported(layout: CgroupLayout): boolean {
  if (layout.version === 1) return existsSync(join(layout.root, 'blkio', 'blkio.weight'));
  try {
    return readFileSync(join(layout.root, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('io');
  } catch {
    return false;
  }
}
