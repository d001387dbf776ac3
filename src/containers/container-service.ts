import type { Readable } from 'node:stream';
import type { AttachStreams } from '../runtime/runtime.js';
import type { Change } from '../snapshots/snapshotter.js';

/**
 * Docker Engine API shapes the container service takes and returns. The service speaks
 * them directly so that the HTTP handlers only translate transport (status codes,
 * query strings, streams), as Podman's compat layer does.
 */
export type DockerJson = Record<string, any>;

/** Body of `POST /containers/create`: Docker's Config plus HostConfig and NetworkingConfig. */
export interface ContainerCreateBody extends DockerJson {
  Image?: string;
  Cmd?: string[] | string | null;
  Entrypoint?: string[] | string | null;
  Env?: string[] | null;
  HostConfig?: DockerJson;
  NetworkingConfig?: DockerJson;
}

export interface LogEntry {
  stream: 'stdout' | 'stderr';
  /** RFC3339 UTC with 9 fraction digits, as `docker logs -t` prints it. */
  time: string;
  /** The bytes written, including the trailing newline when there was one. */
  data: Buffer;
  /** What the log driver's labels/env/tag options attached (`docker logs --details`). */
  attrs?: Record<string, string>;
}

export interface LogOptions {
  follow?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  /** Unix seconds (fractional allowed), as the API's since/until. */
  since?: number;
  until?: number;
  /** "all" or a count of lines from the end. */
  tail?: string;
  signal?: AbortSignal;
}

export interface PathStat {
  name: string;
  size: number;
  /** Go FileMode bits: directory = 0x80000000, symlink = 0x08000000, plus permission bits. */
  mode: number;
  mtime: string;
  linkTarget: string;
}

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

export interface ExecStart {
  /** Whether the process has a TTY; the API uses it to choose raw or multiplexed framing. */
  tty: boolean;
  io?: AttachStreams;
  resize(width: number, height: number): Promise<void>;
  exited: Promise<number>;
}

/**
 * The engine's containers: lifecycle, I/O, inspection, files. `ref` is a full ID, an
 * unambiguous ID prefix or a name. Errors are WharfErrors with dockerd's messages:
 * not-found "No such container: X", conflict for name clashes and wrong states,
 * not-modified for start-when-running / stop-when-stopped, invalid-parameter for bad input.
 */
export interface ContainerService {
  create(body: ContainerCreateBody, opts: { name?: string; platform?: string }): Promise<{ Id: string; Warnings: string[] }>;
  list(opts: { all?: boolean; limit?: number; size?: boolean; filters?: Record<string, string[]> }): Promise<DockerJson[]>;
  inspect(ref: string, opts?: { size?: boolean }): Promise<DockerJson>;
  /** After network connect/disconnect: a running container's /etc/hosts follows its addresses. */
  networksChanged?(ref: string): Promise<void>;
  start(ref: string): Promise<void>;
  stop(ref: string, opts: { signal?: string; timeout?: number }): Promise<void>;
  restart(ref: string, opts: { signal?: string; timeout?: number }): Promise<void>;
  kill(ref: string, signal?: string): Promise<void>;
  pause(ref: string): Promise<void>;
  unpause(ref: string): Promise<void>;
  /** Resolves when the condition is met; `ready` fires once the wait is registered (the API sends headers then). */
  wait(ref: string, condition: WaitCondition, signal?: AbortSignal, ready?: () => void): Promise<{ StatusCode: number; Error: { Message: string } | null }>;
  remove(ref: string, opts: { force?: boolean; volumes?: boolean; link?: boolean }): Promise<void>;
  rename(ref: string, newName: string): Promise<void>;
  update(ref: string, body: DockerJson): Promise<{ Warnings: string[] }>;
  logs(ref: string, opts: LogOptions): Promise<{ tty: boolean; entries: AsyncIterable<LogEntry> }>;
  attach(ref: string, opts: { stdin: boolean; stdout: boolean; stderr: boolean; logs?: boolean; stream?: boolean }): Promise<{ tty: boolean; io: AttachStreams }>;
  resize(ref: string, height: number, width: number): Promise<void>;
  top(ref: string, psArgs?: string): Promise<{ Titles: string[]; Processes: string[][] }>;
  /** One reading in Docker's stats JSON shape (`precpu_stats` from the previous reading). */
  stats(ref: string): Promise<DockerJson>;
  changes(ref: string): Promise<Change[]>;
  export(ref: string): Promise<Readable>;
  archiveStat(ref: string, path: string): Promise<PathStat>;
  archiveGet(ref: string, path: string): Promise<{ stat: PathStat; tar: Readable }>;
  archivePut(ref: string, path: string, tar: Readable, opts: { noOverwriteDirNonDir?: boolean; copyUIDGID?: boolean }): Promise<void>;
  commit(ref: string, opts: { repo?: string; tag?: string; author?: string; comment?: string; changes?: string[]; pause?: boolean; config?: DockerJson }): Promise<{ Id: string }>;
  prune(filters: Record<string, string[]>): Promise<{ ContainersDeleted: string[] | null; SpaceReclaimed: number }>;
  execCreate(ref: string, body: DockerJson): Promise<{ Id: string }>;
  execStart(execId: string, opts: { detach: boolean; tty?: boolean }): Promise<ExecStart>;
  execInspect(execId: string): Promise<DockerJson>;
  execResize(execId: string, height: number, width: number): Promise<void>;
}
