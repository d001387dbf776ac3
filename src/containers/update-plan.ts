import { conflict } from '../common/errors.js';
import type { ResourceUpdate } from '../runtime/runtime.js';
import type { DockerJson } from './container-service.js';
import type { VerifiedUpdate } from './update-validation.js';

/** What an update does: the HostConfig to persist and the limits to apply to a live cgroup. */
export interface UpdatePlan {
  hostConfig: DockerJson;
  live: ResourceUpdate;
}

const CPU_PERIOD = 100000;

/**
 * Merges a verified update into a container's HostConfig as dockerd does, refusing (409, as
 * dockerd's conflicting-options errors) what clashes with settings already made: NanoCpus
 * against an explicit CFS period/quota, and a memory limit above the memory+swap limit in force
 * when no new memory+swap is given. `current` is not modified.
 */
export function planUpdate(current: DockerJson, u: VerifiedUpdate, host: { swapLimit: boolean }): UpdatePlan {
  const c = u.changes;
  const hc: DockerJson = { ...current };
  if (c.NanoCpus && c.NanoCpus > 0 && hc.CpuPeriod > 0) throw conflict('Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set');
  if (c.NanoCpus && c.NanoCpus > 0 && hc.CpuQuota > 0) throw conflict('Conflicting options: Nano CPUs cannot be updated as CPU Quota has already been set');
  if (c.CpuPeriod && c.CpuPeriod > 0 && hc.NanoCpus > 0) throw conflict('Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set');
  if (c.CpuQuota && c.CpuQuota > 0 && hc.NanoCpus > 0) throw conflict('Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set');

  for (const k of ['BlkioWeight', 'CpuShares', 'NanoCpus', 'CpuPeriod', 'CpuQuota', 'CpuRealtimePeriod', 'CpuRealtimeRuntime', 'CpusetCpus', 'CpusetMems', 'MemoryReservation'] as const) {
    if (c[k] !== undefined) hc[k] = c[k];
  }
  if (c.Memory !== undefined) {
    const swapInForce = effectiveSwap(current, host);
    if (c.Memory > swapInForce && c.MemorySwap === undefined) {
      throw conflict('Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time');
    }
    hc.Memory = c.Memory;
    // The memory+swap limit in force stays; record it, so a restart applies the same one
    // instead of deriving a new default from the new memory limit.
    if (c.MemorySwap === undefined && !current.MemorySwap) hc.MemorySwap = swapInForce;
  }
  if (c.MemorySwap !== undefined) hc.MemorySwap = c.MemorySwap;
  // Docker shows a lifted pids limit as 0 ("none"), as create does for negative values.
  if (c.PidsLimit !== undefined) hc.PidsLimit = c.PidsLimit < 0 ? 0 : c.PidsLimit;
  if (u.restartPolicy) {
    if (current.AutoRemove && u.restartPolicy.Name !== 'no') {
      throw conflict('Restart policy cannot be updated because AutoRemove is enabled for the container');
    }
    hc.RestartPolicy = u.restartPolicy;
  }
  return { hostConfig: hc, live: liveUpdate(u) };
}

/**
 * The memory+swap limit a container runs with: its own MemorySwap, or for a memory limit set
 * without one Docker's default (twice the memory where swap can be limited, else unlimited).
 */
export function effectiveSwap(hc: DockerJson, host: { swapLimit: boolean }): number {
  if (hc.MemorySwap) return hc.MemorySwap;
  if (hc.Memory > 0) return host.swapLimit ? hc.Memory * 2 : -1;
  return 0;
}

/** Only what the update names goes to the runtime; runc keeps the rest. */
function liveUpdate(u: VerifiedUpdate): ResourceUpdate {
  const c = u.changes;
  const live: ResourceUpdate = {
    memory: c.Memory,
    memorySwap: c.MemorySwap,
    memoryReservation: c.MemoryReservation,
    cpuShares: c.CpuShares,
    cpuPeriod: c.CpuPeriod,
    cpuQuota: c.CpuQuota,
    cpuRealtimePeriod: c.CpuRealtimePeriod,
    cpuRealtimeRuntime: c.CpuRealtimeRuntime,
    cpusetCpus: c.CpusetCpus,
    cpusetMems: c.CpusetMems,
    pidsLimit: c.PidsLimit,
    blkioWeight: c.BlkioWeight,
  };
  if (c.NanoCpus) {
    live.cpuPeriod = CPU_PERIOD;
    live.cpuQuota = Math.round((c.NanoCpus * CPU_PERIOD) / 1e9);
  }
  return live;
}
