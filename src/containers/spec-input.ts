import type { SpecInput } from '../runtime/runtime.js';
import type { ContainerRecord } from './container-record.js';
import type { EtcFiles } from './etc-files.js';
import { ociMounts } from './mount-points.js';

type Mount = NonNullable<SpecInput['mounts']>[number];

/** `--tmpfs /run:size=64m,mode=1777` entries. */
function tmpfsMounts(tmpfs: Record<string, string> | undefined): Mount[] {
  return Object.entries(tmpfs ?? {}).map(([destination, opts]) => ({
    destination,
    source: 'tmpfs',
    type: 'tmpfs',
    options: ['nosuid', 'nodev', 'noexec', ...(opts ? opts.split(',') : [])],
  }));
}

/** Translates a container's Docker config into what the runtime needs to build its OCI config. */
/** Where containers' cgroups go unless the daemon or the container names another parent. */
export const DEFAULT_CGROUP_PARENT = '/wharf';

export function specInputOf(rec: ContainerRecord, rootfs: string, files: EtcFiles, network: SpecInput['network'], cgroupParent = DEFAULT_CGROUP_PARENT): SpecInput {
  const cfg = rec.config;
  const hc = rec.hostConfig;
  // HOSTNAME, HOME and TERM defaults are the runtime's job (it knows the resolved user).
  const env: string[] = [...(cfg.Env ?? [])];
  const etcMounts: Mount[] = [
    { destination: '/etc/resolv.conf', source: files.resolvConfPath, type: 'bind', options: ['rbind', 'rprivate'] },
    { destination: '/etc/hostname', source: files.hostnamePath, type: 'bind', options: ['rbind', 'rprivate'] },
    { destination: '/etc/hosts', source: files.hostsPath, type: 'bind', options: ['rbind', 'rprivate'] },
  ];
  return {
    id: rec.id,
    rootfs,
    args: [rec.path, ...rec.args],
    env,
    cwd: cfg.WorkingDir || '/',
    user: cfg.User ?? '',
    groupAdd: hc.GroupAdd ?? undefined,
    hostname: cfg.Hostname,
    domainname: cfg.Domainname || undefined,
    tty: Boolean(cfg.Tty),
    openStdin: Boolean(cfg.OpenStdin),
    readonlyRootfs: Boolean(hc.ReadonlyRootfs),
    privileged: Boolean(hc.Privileged),
    capAdd: hc.CapAdd ?? undefined,
    capDrop: hc.CapDrop ?? undefined,
    securityOpt: hc.SecurityOpt ?? undefined,
    memory: hc.Memory || undefined,
    memorySwap: hc.MemorySwap || undefined,
    nanoCpus: hc.NanoCpus || undefined,
    cpuShares: hc.CpuShares || undefined,
    cpuQuota: hc.CpuQuota || undefined,
    cpuPeriod: hc.CpuPeriod || undefined,
    cpuRealtimePeriod: hc.CpuRealtimePeriod || undefined,
    cpuRealtimeRuntime: hc.CpuRealtimeRuntime || undefined,
    cpusetCpus: hc.CpusetCpus || undefined,
    cpusetMems: hc.CpusetMems || undefined,
    memoryReservation: hc.MemoryReservation || undefined,
    blkioWeight: hc.BlkioWeight || undefined,
    pidsLimit: hc.PidsLimit || undefined,
    ulimits: hc.Ulimits ?? undefined,
    shmSize: hc.ShmSize || undefined,
    sysctls: hc.Sysctls ?? undefined,
    mounts: [...etcMounts, ...ociMounts(rec.mountPoints ?? []), ...tmpfsMounts(hc.Tmpfs)],
    network,
    pidMode: hc.PidMode || undefined,
    ipcMode: hc.IpcMode || undefined,
    utsMode: hc.UTSMode || undefined,
    init: Boolean(hc.Init),
    cgroupsPath: `${rec.hostConfig.CgroupParent || cgroupParent}/${rec.id}`,
    oomScoreAdj: hc.OomScoreAdj || undefined,
    labels: cfg.Labels,
    devices: hc.Devices ?? undefined,
  };
}
