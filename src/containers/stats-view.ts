import type { ContainerStats } from '../runtime/runtime.js';
import type { ContainerRecord } from './container-record.js';
import type { DockerJson } from './container-service.js';

const ZERO_CPU = { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } };

function cpuStats(s: ContainerStats): DockerJson {
  return {
    cpu_usage: {
      total_usage: s.cpuTotalNs,
      ...(s.percpuNs ? { percpu_usage: s.percpuNs } : {}),
      usage_in_kernelmode: s.cpuSystemNs ?? 0,
      usage_in_usermode: s.cpuUserNs ?? 0,
    },
    system_cpu_usage: s.systemCpuNs,
    online_cpus: s.onlineCpus,
    throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
  };
}

/** Docker's stats JSON from two cgroup readings (the previous one feeds `precpu_stats`). */
export function statsView(rec: ContainerRecord, now: ContainerStats | undefined, prev: ContainerStats | undefined): DockerJson {
  const blkio = (op: string, v: number | undefined) => (v === undefined ? [] : [{ major: 0, minor: 0, op, value: v }]);
  return {
    read: now?.read ?? new Date().toISOString(),
    preread: prev?.read ?? '0001-01-01T00:00:00Z',
    pids_stats: now ? { current: now.pidsCurrent, ...(now.pidsLimit ? { limit: now.pidsLimit } : {}) } : {},
    blkio_stats: {
      io_service_bytes_recursive: now ? [...blkio('read', now.blkioRead), ...blkio('write', now.blkioWrite)] : null,
      io_serviced_recursive: null, io_queue_recursive: null, io_service_time_recursive: null,
      io_wait_time_recursive: null, io_merged_recursive: null, io_time_recursive: null, sectors_recursive: null,
    },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: now ? cpuStats(now) : ZERO_CPU,
    precpu_stats: prev ? cpuStats(prev) : ZERO_CPU,
    memory_stats: now ? { usage: now.memoryUsage, stats: now.memoryStats, limit: now.memoryLimit } : {},
    name: `/${rec.name}`,
    id: rec.id,
  };
}
