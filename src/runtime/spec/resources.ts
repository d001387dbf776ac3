import { availableParallelism } from 'node:os';
import { invalidParameter } from '../../common/errors.js';
import type { SpecInput } from '../runtime.js';
import type { CgroupLayout } from '../cgroups.js';
import { blkioWeightSupported } from '../host-resources.js';

export interface OciResources {
  memory?: { limit?: number; swap?: number; reservation?: number };
  cpu?: { shares?: number; quota?: number; period?: number; realtimePeriod?: number; realtimeRuntime?: number; cpus?: string; mems?: string };
  pids?: { limit: number };
  blockIO?: { weight: number };
}

const MIN_MEMORY = 6 * 1024 * 1024;
const CPU_PERIOD = 100000;

/** Docker's resource flags as OCI resources, with dockerd's validation messages. */
export function buildResources(input: SpecInput, layout: CgroupLayout, hostCpus = availableParallelism()): OciResources {
  const out: OciResources = {};
  const memory = input.memory ?? 0;
  const swap = input.memorySwap ?? 0;
  if (memory > 0) {
    if (memory < MIN_MEMORY) throw invalidParameter('Minimum memory limit allowed is 6MB');
    out.memory = { limit: memory };
    if (layout.swapLimit) {
      if (swap > 0) {
        if (swap < memory) {
          throw invalidParameter('Minimum memoryswap limit should be larger than memory limit, see usage');
        }
        out.memory.swap = swap;
      } else if (swap === 0) {
        out.memory.swap = memory * 2; // Docker's default: as much swap as memory
      } else if (swap === -1) {
        out.memory.swap = -1;
      }
    }
  } else if (swap > 0) {
    throw invalidParameter('You should always set the Memory limit when using Memoryswap limit, see usage');
  }
  // A soft limit (set at create or by `update`); runc writes v2's memory.low for it.
  if (input.memoryReservation && input.memoryReservation > 0) out.memory = { ...out.memory, reservation: input.memoryReservation };

  const cpu: NonNullable<OciResources['cpu']> = {};
  if (input.nanoCpus) {
    if (input.cpuQuota || input.cpuPeriod) {
      throw invalidParameter('Conflicting options: Nano CPUs and CPU Period cannot both be set');
    }
    if (input.nanoCpus < 0.01e9 || input.nanoCpus > hostCpus * 1e9) {
      throw invalidParameter(
        `Range of CPUs is from 0.01 to ${hostCpus}.00, as there are only ${hostCpus} CPUs available`,
      );
    }
    cpu.period = CPU_PERIOD;
    cpu.quota = Math.round((input.nanoCpus * CPU_PERIOD) / 1e9);
  }
  if (input.cpuQuota) cpu.quota = input.cpuQuota;
  if (input.cpuPeriod) cpu.period = input.cpuPeriod;
  if (input.cpuShares) cpu.shares = input.cpuShares;
  if (input.cpuRealtimePeriod) cpu.realtimePeriod = input.cpuRealtimePeriod;
  if (input.cpuRealtimeRuntime) cpu.realtimeRuntime = input.cpuRealtimeRuntime;
  if (input.cpusetCpus) {
    if (!/^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$/.test(input.cpusetCpus)) {
      throw invalidParameter(`Invalid value ${input.cpusetCpus} for cpuset cpus`);
    }
    cpu.cpus = input.cpusetCpus;
  }
  if (input.cpusetMems) cpu.mems = input.cpusetMems;
  if (Object.keys(cpu).length) out.cpu = cpu;
  if (input.pidsLimit && input.pidsLimit > 0) out.pids = { limit: input.pidsLimit };
  // Docker discards the weight (with a warning at create/update) where the host cannot apply it.
  if (input.blkioWeight && blkioWeightSupported(layout)) out.blockIO = { weight: input.blkioWeight };
  return out;
}
