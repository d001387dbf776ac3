import { conflict, internal, notFound, type WharfError } from '../common/errors.js';
import { RuncError } from './runc.js';
import type { ResourceUpdate } from './runtime.js';

/**
 * `runc update` flags for a live resource change. runc merges them into the limits it keeps in
 * its state, then writes the cgroup files in an order the kernel accepts (e.g. on v1 it raises
 * memory+swap before memory), converting for cgroup v2 itself (shares to cpu.weight, memory+swap
 * to memory.swap.max, reservation to memory.low, blkio weight to io.weight).
 */
export function runcUpdateArgs(u: ResourceUpdate, opts: { swapLimit: boolean }): string[] {
  const args: string[] = [];
  const flag = (name: string, v: number | string | undefined) => {
    if (v === undefined || v === '' || v === 0) return;
    args.push(`--${name}`, String(v));
  };
  flag('memory', u.memory);
  // Without swap accounting runc cannot write memory+swap; Docker leaves it out likewise.
  if (opts.swapLimit) flag('memory-swap', u.memorySwap);
  flag('memory-reservation', u.memoryReservation);
  flag('cpu-share', u.cpuShares);
  flag('cpu-period', u.cpuPeriod);
  flag('cpu-quota', u.cpuQuota);
  flag('cpu-rt-period', u.cpuRealtimePeriod);
  flag('cpu-rt-runtime', u.cpuRealtimeRuntime);
  flag('cpuset-cpus', u.cpusetCpus);
  flag('cpuset-mems', u.cpusetMems);
  flag('pids-limit', u.pidsLimit);
  flag('blkio-weight', u.blkioWeight);
  return args;
}

/**
 * A failed `runc update` as the engine's error: gone or stopped containers are a conflict the
 * caller may treat as "store only"; anything else carries runc's own reason, such as
 * "unable to set memory limit to 10485760 (current usage: 42369024, peak usage: 43753472)".
 */
export function updateFailure(id: string, err: unknown): WharfError | Error {
  if (!(err instanceof RuncError)) return err as Error;
  if (/does not exist/.test(err.message)) return notFound(`No such container: ${id}`);
  if (/not running|stopped container|container not running/i.test(err.message)) return conflict(`Container ${id} is not running`);
  return internal(err.message);
}
