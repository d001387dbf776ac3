import { availableParallelism, totalmem } from 'node:os';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerStats } from './runtime.js';
import { cgroupDir, parseKeyValues, parseLimit, readCgroupFile, type CgroupLayout } from './cgroups.js';

/** Host PIDs in the container's cgroup. */
export async function readPids(layout: CgroupLayout, cgroupsPath: string): Promise<number[]> {
  const dir = cgroupDir(layout, cgroupsPath, 'pids');
  const text = await readCgroupFile(join(dir, 'cgroup.procs'));
  return (text ?? '').split('\n').filter(Boolean).map(Number).sort((a, b) => a - b);
}

/** USER_HZ: the unit of cpuacct.stat and /proc/stat. */
const TICKS_PER_SECOND = 100;
const NS_PER_TICK = 1e9 / TICKS_PER_SECOND;

/** Total CPU time of the host in ns (Docker's system_cpu_usage), from /proc/stat's first line. */
export async function systemCpuNs(): Promise<number> {
  const text = await readFile('/proc/stat', 'utf8');
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return 0;
  const ticks = line.trim().split(/\s+/).slice(1, 8).map(Number).reduce((a, b) => a + b, 0);
  return ticks * NS_PER_TICK;
}

export async function readContainerStats(layout: CgroupLayout, cgroupsPath: string): Promise<ContainerStats> {
  const base = {
    read: new Date().toISOString(),
    systemCpuNs: await systemCpuNs(),
    onlineCpus: availableParallelism(),
  };
  return layout.version === 2 ? { ...base, ...(await readV2(layout, cgroupsPath)) } : { ...base, ...(await readV1(layout, cgroupsPath)) };
}

type Readings = Omit<ContainerStats, 'read' | 'systemCpuNs' | 'onlineCpus'>;

async function readV1(layout: CgroupLayout, path: string): Promise<Readings> {
  const acct = cgroupDir(layout, path, 'cpuacct');
  const mem = cgroupDir(layout, path, 'memory');
  const pids = cgroupDir(layout, path, 'pids');
  const blkio = cgroupDir(layout, path, 'blkio');
  const [usage, stat, percpu, memUsage, memLimit, memStat, pidsCur, pidsMax, io] = await Promise.all([
    readCgroupFile(join(acct, 'cpuacct.usage')),
    readCgroupFile(join(acct, 'cpuacct.stat')),
    readCgroupFile(join(acct, 'cpuacct.usage_percpu')),
    readCgroupFile(join(mem, 'memory.usage_in_bytes')),
    readCgroupFile(join(mem, 'memory.limit_in_bytes')),
    readCgroupFile(join(mem, 'memory.stat')),
    readCgroupFile(join(pids, 'pids.current')),
    readCgroupFile(join(pids, 'pids.max')),
    readCgroupFile(join(blkio, 'blkio.throttle.io_service_bytes')),
  ]);
  const cpuStat = parseKeyValues(stat);
  const { read, write } = sumBlkioV1(io);
  return {
    cpuTotalNs: Number(usage ?? 0),
    cpuUserNs: (cpuStat.user ?? 0) * NS_PER_TICK,
    cpuSystemNs: (cpuStat.system ?? 0) * NS_PER_TICK,
    percpuNs: (percpu ?? '').split(/\s+/).filter(Boolean).map(Number),
    memoryUsage: Number(memUsage ?? 0),
    memoryLimit: parseLimit(memLimit) ?? hostMemory(),
    memoryStats: parseKeyValues(memStat),
    pidsCurrent: Number(pidsCur ?? 0),
    pidsLimit: parseLimit(pidsMax),
    blkioRead: read,
    blkioWrite: write,
  };
}

async function readV2(layout: CgroupLayout, path: string): Promise<Readings> {
  const dir = cgroupDir(layout, path, '');
  const [cpuStat, memCur, memMax, memStat, pidsCur, pidsMax, io] = await Promise.all([
    readCgroupFile(join(dir, 'cpu.stat')),
    readCgroupFile(join(dir, 'memory.current')),
    readCgroupFile(join(dir, 'memory.max')),
    readCgroupFile(join(dir, 'memory.stat')),
    readCgroupFile(join(dir, 'pids.current')),
    readCgroupFile(join(dir, 'pids.max')),
    readCgroupFile(join(dir, 'io.stat')),
  ]);
  const cpu = parseKeyValues(cpuStat);
  let read = 0;
  let write = 0;
  for (const line of (io ?? '').split('\n')) {
    read += Number(/rbytes=(\d+)/.exec(line)?.[1] ?? 0);
    write += Number(/wbytes=(\d+)/.exec(line)?.[1] ?? 0);
  }
  return {
    cpuTotalNs: (cpu.usage_usec ?? 0) * 1000,
    cpuUserNs: (cpu.user_usec ?? 0) * 1000,
    cpuSystemNs: (cpu.system_usec ?? 0) * 1000,
    memoryUsage: Number(memCur ?? 0),
    memoryLimit: parseLimit(memMax) ?? hostMemory(),
    memoryStats: parseKeyValues(memStat),
    pidsCurrent: Number(pidsCur ?? 0),
    pidsLimit: parseLimit(pidsMax),
    blkioRead: read,
    blkioWrite: write,
  };
}

function sumBlkioV1(text: string | undefined): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const line of (text ?? '').split('\n')) {
    const [, op, v] = line.trim().split(/\s+/);
    if (op === 'Read') read += Number(v);
    else if (op === 'Write') write += Number(v);
  }
  return { read, write };
}

let hostMem: number | undefined;
/** Without a limit Docker reports the host's memory as the limit. */
function hostMemory(): number {
  if (hostMem === undefined) {
    hostMem = totalmem();
  }
  return hostMem;
}
