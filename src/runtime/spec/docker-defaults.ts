/** Fixed pieces of the OCI config that Docker gives every container. */

export interface OciMount { destination: string; type: string; source: string; options?: string[] }

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** 64 MiB, Docker's default `--shm-size`. */
export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

/** Where `--init` puts tini inside the container, as Docker does. */
export const INIT_PATH_IN_CONTAINER = '/sbin/docker-init';

/** Kernel files a container must not read: they leak host data or allow attacks on it. */
export const MASKED_PATHS: readonly string[] = [
  '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];

/** Kernel files a container may read but not write. */
export const READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** The standard filesystems under /proc, /dev and /sys. */
export function defaultMounts(opts: { shmSize: number; privileged: boolean }): OciMount[] {
  const ro = opts.privileged ? 'rw' : 'ro';
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', ro] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: [ro, 'nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    {
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${opts.shmSize}`],
    },
  ];
}

export interface DeviceRule { allow: boolean; type?: string; major?: number; minor?: number; access: string }

/**
 * The devices cgroup as dockerd writes it: deny everything, allow the standard character devices
 * (zero, null, urandom, random, tty, console) and deny /dev/fuse. runc adds its own defaults
 * (mknod of anything, /dev/pts/*, /dev/ptmx, /dev/net/tun) on top.
 */
export function defaultDeviceRules(): DeviceRule[] {
  const c = (major: number, minor: number, allow = true): DeviceRule => ({ allow, type: 'c', major, minor, access: 'rwm' });
  return [{ allow: false, access: 'rwm' }, c(1, 5), c(1, 3), c(1, 9), c(1, 8), c(5, 0), c(5, 1), c(10, 229, false)];
}

/** Sysctls dockerd sets in a container's own network namespace: unprivileged low ports and ping. */
export const PRIVATE_NETWORK_SYSCTLS: Readonly<Record<string, string>> = {
  'net.ipv4.ip_unprivileged_port_start': '0',
  'net.ipv4.ping_group_range': '0 2147483647',
};
