import { cpus } from 'node:os';
import { invalidParameter } from '../../common/errors.js';
import type { SpecInput } from '../runtime.js';
import type { CgroupLayout } from '../cgroups.js';

export interface OciResources {
  memory?: { limit?: number; swap?: number };
  cpu?: { shares?: number; quota?: number; period?: number; cpus?: string };
  pids?: { limit: number };
}

const MIN_MEMORY = 6 * 1024 * 1024;
const CPU_PERIOD = 100000;

/** Docker's resource flags as OCI resources, with dockerd's validation messages. */
export function buildResources(input: SpecInput, layout: CgroupLayout, hostCpus = cpus().length): OciResources {
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
  if (input.cpusetCpus) {
    if (!/^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$/.test(input.cpusetCpus)) {
      throw invalidParameter(`Invalid value ${input.cpusetCpus} for cpuset cpus`);
    }
    cpu.cpus = input.cpusetCpus;
  }
  if (Object.keys(cpu).length) out.cpu = cpu;
  if (input.pidsLimit && input.pidsLimit > 0) out.pids = { limit: input.pidsLimit };
  return out;
}
