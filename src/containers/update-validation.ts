import { invalidParameter } from '../common/errors.js';
import type { HostResources } from '../runtime/host-resources.js';
import { validateHostConfig } from './config-merge.js';
import type { DockerJson } from './container-service.js';

/** The resource fields a `docker update` body changes; absent means "keep" (Docker sends 0 or "" for those). */
export interface ResourceChanges {
  Memory?: number;
  MemorySwap?: number;
  MemoryReservation?: number;
  NanoCpus?: number;
  CpuShares?: number;
  CpuPeriod?: number;
  CpuQuota?: number;
  CpuRealtimePeriod?: number;
  CpuRealtimeRuntime?: number;
  CpusetCpus?: string;
  CpusetMems?: string;
  /** -1 = unlimited. */
  PidsLimit?: number;
  BlkioWeight?: number;
}

export interface VerifiedUpdate {
  changes: ResourceChanges;
  restartPolicy?: { Name: string; MaximumRetryCount: number };
  warnings: string[];
}

const MIN_MEMORY = 6 * 1024 * 1024;
const INT64_FIELDS = [
  'Memory', 'MemorySwap', 'MemoryReservation', 'NanoCpus', 'CpuShares', 'CpuPeriod', 'CpuQuota', 'PidsLimit',
  'KernelMemory', 'CpuRealtimePeriod', 'CpuRealtimeRuntime', 'CpuCount', 'CpuPercent', 'IOMaximumIOps', 'IOMaximumBandwidth',
];

/**
 * dockerd's checks of an update body before it looks at the container (its
 * verifyContainerSettings with update=true): the same 400 messages, and the same warnings
 * where the host cannot apply a setting (the setting is then dropped).
 */
export function verifyUpdate(body: DockerJson, host: HostResources): VerifiedUpdate {
  checkTypes(body);
  const warnings: string[] = [];
  const c: ResourceChanges = {};
  const num = (k: string): number => (typeof body[k] === 'number' ? body[k] : 0);
  for (const k of ['Memory', 'MemorySwap', 'MemoryReservation', 'NanoCpus', 'CpuShares', 'CpuPeriod', 'CpuQuota', 'CpuRealtimePeriod', 'CpuRealtimeRuntime', 'BlkioWeight'] as const) {
    if (num(k) !== 0) c[k] = num(k);
  }
  for (const k of ['CpusetCpus', 'CpusetMems'] as const) if (body[k]) c[k] = body[k];
  // 0 and null keep the current limit; any negative value lifts it.
  if (num('PidsLimit') !== 0) c.PidsLimit = num('PidsLimit') < 0 ? -1 : num('PidsLimit');
  if (num('KernelMemory') !== 0) warnings.push('Specifying a kernel memory limit is deprecated and will be removed in a future release.');

  if (c.Memory !== undefined && c.Memory < MIN_MEMORY) throw invalidParameter('Minimum memory limit allowed is 6MB');
  if (c.Memory !== undefined && c.Memory > 0 && c.MemorySwap !== -1 && !host.swapLimit) {
    warnings.push('Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.');
    c.MemorySwap = -1;
  }
  if (c.Memory !== undefined && c.Memory > 0 && c.MemorySwap !== undefined && c.MemorySwap > 0 && c.MemorySwap < c.Memory) {
    throw invalidParameter('Minimum memoryswap limit should be larger than memory limit, see usage');
  }
  if (c.MemoryReservation !== undefined && c.MemoryReservation > 0 && c.MemoryReservation < MIN_MEMORY) {
    throw invalidParameter('Minimum memory reservation allowed is 6MB');
  }
  if (c.Memory && c.MemoryReservation && c.Memory > 0 && c.MemoryReservation > 0 && c.Memory < c.MemoryReservation) {
    throw invalidParameter('Minimum memory limit can not be less than memory reservation limit, see usage');
  }

  if (c.NanoCpus && c.NanoCpus > 0 && c.CpuPeriod && c.CpuPeriod > 0) throw invalidParameter('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  if (c.NanoCpus && c.NanoCpus > 0 && c.CpuQuota && c.CpuQuota > 0) throw invalidParameter('Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  if (c.NanoCpus !== undefined && (c.NanoCpus < 0 || c.NanoCpus > host.ncpu * 1e9)) {
    throw invalidParameter(`Range of CPUs is from 0.01 to ${host.ncpu}.00, as there are only ${host.ncpu} CPUs available`);
  }
  if (c.CpuPeriod !== undefined && (c.CpuPeriod < 1000 || c.CpuPeriod > 1000000)) {
    throw invalidParameter('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  }
  if (c.CpuQuota !== undefined && c.CpuQuota > 0 && c.CpuQuota < 1000) throw invalidParameter('CPU cfs quota can not be less than 1ms (i.e. 1000)');

  if ((c.CpuRealtimePeriod !== undefined || c.CpuRealtimeRuntime !== undefined) && !host.cpuRealtime) {
    warnings.push('Your kernel does not support CPU real-time scheduler');
    delete c.CpuRealtimePeriod;
    delete c.CpuRealtimeRuntime;
  }
  if (c.CpuRealtimePeriod && c.CpuRealtimeRuntime && c.CpuRealtimeRuntime > c.CpuRealtimePeriod) {
    throw invalidParameter('cpu real-time runtime cannot be higher than cpu real-time period');
  }

  checkCpuset(c.CpusetCpus, host.cpus, 'cpus', 'CPUs');
  checkCpuset(c.CpusetMems, host.mems, 'mems', 'memory nodes');

  if (c.BlkioWeight !== undefined && !host.blkioWeight) {
    warnings.push('Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.');
    delete c.BlkioWeight;
  }
  if (c.BlkioWeight !== undefined && (c.BlkioWeight < 10 || c.BlkioWeight > 1000)) throw invalidParameter('Range of blkio weight is from 10 to 1000');

  const out: VerifiedUpdate = { changes: c, warnings };
  const rp = body.RestartPolicy;
  // The CLI sends {"Name":""} when --restart is not given: that keeps the policy.
  if (rp && rp.Name) out.restartPolicy = validateHostConfig({ RestartPolicy: rp }).RestartPolicy;
  return out;
}

/** Go's JSON decoding errors for the fields Docker's UpdateConfig types, so bad types are a 400, not a crash. */
function checkTypes(body: DockerJson): void {
  const bad = (k: string, v: unknown, type: string) => {
    const what = typeof v === 'number' ? `number ${v}` : typeof v === 'object' ? (Array.isArray(v) ? 'array' : 'object') : typeof v === 'boolean' ? 'bool' : typeof v;
    return invalidParameter(`json: cannot unmarshal ${what} into Go struct field UpdateConfig.${k} of type ${type}`);
  };
  for (const k of INT64_FIELDS) {
    const v = body[k];
    if (v !== undefined && v !== null && !(typeof v === 'number' && Number.isSafeInteger(v))) throw bad(k, v, 'int64');
  }
  const w = body.BlkioWeight;
  if (w !== undefined && w !== null && !(typeof w === 'number' && Number.isInteger(w) && w >= 0 && w <= 65535)) throw bad('BlkioWeight', w, 'uint16');
  for (const k of ['CpusetCpus', 'CpusetMems']) {
    const v = body[k];
    if (v !== undefined && v !== null && typeof v !== 'string') throw bad(k, v, 'string');
  }
  const rp = body.RestartPolicy;
  if (rp !== undefined && rp !== null) {
    if (typeof rp !== 'object' || Array.isArray(rp)) throw bad('RestartPolicy', rp, 'container.RestartPolicy');
    if (rp.Name !== undefined && rp.Name !== null && typeof rp.Name !== 'string') throw bad('RestartPolicy.Name', rp.Name, 'container.RestartPolicyMode');
    const n = rp.MaximumRetryCount;
    if (n !== undefined && n !== null && !(typeof n === 'number' && Number.isSafeInteger(n))) throw bad('RestartPolicy.MaximumRetryCount', n, 'int');
  }
}

/** dockerd's cpuset check: a well-formed list ("0-2,4") naming only what the host offers. */
function checkCpuset(requested: string | undefined, available: string, key: string, noun: string): void {
  if (!requested) return;
  const want = parseCpuList(requested);
  if (!want) throw invalidParameter(`Invalid value ${requested} for cpuset ${key}: invalid format: ${requested}`);
  const have = parseCpuList(available) ?? [];
  const covered = (n: number) => have.some(([lo, hi]) => n >= lo && n <= hi);
  const ok = want.every(([lo, hi]) => hi - lo <= 4096 && Array.from({ length: hi - lo + 1 }, (_, i) => lo + i).every(covered));
  if (!ok) throw invalidParameter(`Requested ${noun} are not available - requested ${requested}, available: ${available}`);
}

/** "0-3,5" as ranges; undefined when malformed. */
export function parseCpuList(text: string): [number, number][] | undefined {
  const out: [number, number][] = [];
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return undefined;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) return undefined;
    out.push([lo, hi]);
  }
  return out;
}
