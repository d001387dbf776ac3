import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

/** The cgroup limits of the process `pid` as the host sees them, on cgroup v1 or v2. */
export function limitsOf(pid: number): Record<string, string> {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n');
  const v2 = lines.length === 1 && lines[0]!.startsWith('0::');
  const dir = (controller: string) => {
    if (v2) return `/sys/fs/cgroup${lines[0]!.slice(3)}`;
    const line = lines.find((l) => l.split(':')[1]!.split(',').includes(controller));
    assert.ok(line, `no ${controller} cgroup for ${pid}`);
    return `/sys/fs/cgroup/${controller}${line.split(':')[2]}`;
  };
  const read = (controller: string, file: string) => {
    try {
      return readFileSync(`${dir(controller)}/${file}`, 'utf8').trim();
    } catch {
      return '';
    }
  };
  const max = (v: string) => (v === 'max' || Number(v) >= 2 ** 62 ? 'max' : v);
  if (v2) {
    const [quota, period] = read('cpu', 'cpu.max').split(' ');
    const memory = max(read('memory', 'memory.max'));
    const swap = max(read('memory', 'memory.swap.max'));
    return {
      memory,
      memsw: memory === 'max' || swap === 'max' ? 'max' : String(Number(memory) + Number(swap)),
      reservation: max(read('memory', 'memory.low')),
      quota: quota === 'max' ? '-1' : quota!,
      period: period!,
      cpus: read('cpuset', 'cpuset.cpus'),
      mems: read('cpuset', 'cpuset.mems'),
      pids: read('pids', 'pids.max'),
    };
  }
  return {
    memory: max(read('memory', 'memory.limit_in_bytes')),
    memsw: max(read('memory', 'memory.memsw.limit_in_bytes')),
    reservation: max(read('memory', 'memory.soft_limit_in_bytes')),
    shares: read('cpu', 'cpu.shares'),
    quota: read('cpu', 'cpu.cfs_quota_us'),
    period: read('cpu', 'cpu.cfs_period_us'),
    cpus: read('cpuset', 'cpuset.cpus'),
    mems: read('cpuset', 'cpuset.mems'),
    pids: read('pids', 'pids.max'),
  };
}
