import type { Duplex, Readable, Writable } from 'node:stream';

/** What the container service asks of a container's process and sandbox; `buildSpec` turns it into an OCI config. */
export interface SpecInput {
  id: string;
  /** Mounted root filesystem (the bundle's rootfs). */
  rootfs: string;
  args: string[];
  env: string[];
  cwd: string;
  /** Docker's `-u` form ("", "name", "uid", "uid:gid", "name:group"); resolved against the rootfs' /etc/passwd and /etc/group. */
  user: string;
  groupAdd?: string[];
  hostname: string;
  domainname?: string;
  tty: boolean;
  openStdin: boolean;
  readonlyRootfs?: boolean;
  privileged?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  /** Docker's `--security-opt` values: "no-new-privileges[:true]", "seccomp=unconfined", "seccomp=<json path>", "apparmor=…" (ignored). */
  securityOpt?: string[];
  /** Bytes; 0 = unlimited. */
  memory?: number;
  memorySwap?: number;
  /** CPUs × 1e9 (Docker's NanoCpus). */
  nanoCpus?: number;
  cpuShares?: number;
  cpuQuota?: number;
  cpuPeriod?: number;
  /** Real-time scheduling budget in µs per period (cgroup v1 cpu.rt_*). */
  cpuRealtimePeriod?: number;
  cpuRealtimeRuntime?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  /** Soft limit in bytes (v1 memory.soft_limit_in_bytes, v2 memory.low). */
  memoryReservation?: number;
  /** 10..1000; left out where the host cannot weight block I/O. */
  blkioWeight?: number;
  pidsLimit?: number;
  ulimits?: { Name: string; Soft: number; Hard: number }[];
  shmSize?: number;
  sysctls?: Record<string, string>;
  /** Extra mounts after Docker's defaults: /etc/hosts, /etc/resolv.conf, /etc/hostname, volumes, binds, tmpfs. */
  mounts?: { destination: string; source: string; type: string; options?: string[] }[];
  /** Network namespace: "none"/"default" = a new one with loopback only; "host"; or a path to join (later: CNI-made netns). */
  network: { mode: 'new' } | { mode: 'host' } | { mode: 'path'; path: string };
  /** "host" shares the host's; "container:<pid>" joins another's; otherwise private. */
  pidMode?: string;
  ipcMode?: string;
  utsMode?: string;
  /** Run tini as PID 1 (`--init`). */
  init?: boolean;
  /** Cgroup path for the container (v1: under each controller; v2: under the unified root). */
  cgroupsPath: string;
  oomScoreAdj?: number;
  labels?: Record<string, string>;
  devices?: { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }[];
}

export interface RuntimeState {
  status: 'created' | 'running' | 'paused' | 'stopped';
  pid: number;
}

export interface CreateOptions {
  id: string;
  /** Folder holding config.json (written by the runtime) and the monitor's files. */
  bundle: string;
  spec: object;
  /** Where conmon writes the container's output (CRI k8s-file format), also while the daemon is down; none when unset. */
  logPath?: string;
  tty: boolean;
  openStdin: boolean;
  /**
   * Docker's StdinOnce: when true, the process' stdin closes when an attached client closes its
   * stdin or detaches (conmon cannot tell a stdin client from others, so any detach counts);
   * when false, stdin stays open across attaches.
   */
  stdinOnce?: boolean;
}

export interface ExecOptions {
  /**
   * OCI process fields (args, env, cwd, user...), laid over the container's own process (so its
   * capabilities, rlimits and no-new-privileges apply; env defaults to the container's).
   * `user` may be Docker's `-u` string ("name", "uid:gid"...), resolved in the container.
   */
  process: object;
  tty: boolean;
  stdin: boolean;
  detach: boolean;
}

/** A running exec session; streams as the attach ones. */
export interface ExecSession {
  pid: number;
  io: AttachStreams;
  resize(width: number, height: number): Promise<void>;
  /** Resolves with the exit code (128+signal when killed). */
  exited: Promise<number>;
}

/**
 * Streams of an attached container or exec. For a TTY, everything arrives on `stdout`.
 * Closing `stdin` sends EOF to the process.
 */
export interface AttachStreams {
  stdin?: Writable;
  stdout: Readable;
  stderr: Readable;
  close(): void;
}

/**
 * An OCI runtime (runc by default) behind a per-container monitor (conmon), so containers
 * outlive the daemon: the monitor owns stdio, the log file and the exit code.
 *
 * Lifecycle: `create` (monitor + `runc create`; process waits) → `start` → exit recorded by
 * the monitor (`exitStatus`) → `delete`. All methods are idempotent where Docker's
 * operations are (killing a stopped container is a conflict for the caller to decide).
 */
export interface Runtime {
  readonly name: string;
  buildSpec(input: SpecInput): Promise<object>;
  create(opts: CreateOptions): Promise<{ pid: number; monitorPid: number }>;
  start(id: string): Promise<void>;
  state(id: string): Promise<RuntimeState | undefined>;
  kill(id: string, signal: string | number, all?: boolean): Promise<void>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  delete(id: string, opts?: { force?: boolean }): Promise<void>;
  /** Exit status recorded by the monitor, or undefined while running. */
  exitStatus(id: string): Promise<{ code: number; finishedAt: Date; oomKilled: boolean } | undefined>;
  /** Resolves when the container's monitor records its exit (at once if it already has). */
  waitExit(id: string): Promise<{ code: number; finishedAt: Date }>;
  /** Calls back once for each container whose monitor records an exit (also, after `restore`, for exits that happened while the daemon was down). */
  onExit(listener: (id: string) => void): void;
  attach(id: string, opts: { stdin: boolean; stdout: boolean; stderr: boolean }): Promise<AttachStreams>;
  resize(id: string, width: number, height: number): Promise<void>;
  /** Has the monitor reopen its log file (a fresh file under the same name); false if the monitor is gone. */
  reopenLog(id: string): Promise<boolean>;
  exec(id: string, execId: string, opts: ExecOptions): Promise<ExecSession>;
  /** Host PIDs of every process in the container (for `top`). */
  pids(id: string): Promise<number[]>;
  stats(id: string): Promise<ContainerStats>;
  /**
   * Applies new limits to a created, running or paused container's cgroup (`runc update`); the
   * runtime also remembers them for its own later use. Rejects with `conflict` when the
   * container is not there or no longer running, `internal` with the runtime's reason otherwise
   * (e.g. a memory limit below what the container uses now).
   */
  update(id: string, resources: ResourceUpdate): Promise<void>;
  /** Reopen per-container monitor state after a daemon restart. */
  restore(id: string, bundle: string): Promise<void>;
  /** Every container the runtime holds state for (running or not, exit files included). */
  containers(): Promise<string[]>;
  /** Stop watching for exits (containers and their monitors keep running). */
  close(): void;
}

/**
 * A live change of a container's cgroup limits (Docker's `update`); absent fields keep their
 * current value. -1 means unlimited for memory, memorySwap, cpuQuota and pidsLimit.
 */
export interface ResourceUpdate {
  /** Bytes. */
  memory?: number;
  /** Memory plus swap, bytes (Docker's MemorySwap); ignored where swap cannot be limited. */
  memorySwap?: number;
  memoryReservation?: number;
  cpuShares?: number;
  /** CFS period and quota in microseconds. */
  cpuPeriod?: number;
  cpuQuota?: number;
  /** Real-time budget in microseconds per period. */
  cpuRealtimePeriod?: number;
  cpuRealtimeRuntime?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  pidsLimit?: number;
  blkioWeight?: number;
}

/** Raw cgroup readings; the API shapes them as Docker's stats JSON. */
export interface ContainerStats {
  read: string;
  cpuTotalNs: number;
  cpuUserNs?: number;
  cpuSystemNs?: number;
  systemCpuNs: number;
  onlineCpus: number;
  percpuNs?: number[];
  memoryUsage: number;
  memoryLimit: number;
  memoryStats: Record<string, number>;
  pidsCurrent: number;
  pidsLimit?: number;
  blkioRead?: number;
  blkioWrite?: number;
}

/** For tests and the API: a duplex raw TTY stream when Tty is set. */
export type RawStream = Duplex;
