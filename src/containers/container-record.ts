import type { DockerJson } from './container-service.js';
import type { MountPoint } from './mount-points.js';

export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface HealthLogEntry {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

export interface HealthState {
  Status: 'starting' | 'healthy' | 'unhealthy' | 'none';
  FailingStreak: number;
  Log: HealthLogEntry[];
}

export interface ContainerState {
  status: ContainerStatus;
  pid: number;
  exitCode: number;
  error: string;
  oomKilled: boolean;
  startedAt: string;
  finishedAt: string;
  health?: HealthState;
}

/**
 * Everything the daemon knows about one container, persisted as one JSON file written
 * atomically (Docker's config.v2.json plays the same role). `config` and `hostConfig`
 * are Docker's Config and HostConfig after merging the image's defaults.
 */
export interface ContainerRecord {
  id: string;
  /** Without the leading slash. */
  name: string;
  created: string;
  /** The image as the user named it. */
  image: string;
  imageId: string;
  path: string;
  args: string[];
  config: DockerJson;
  hostConfig: DockerJson;
  networkingConfig: DockerJson;
  state: ContainerState;
  restartCount: number;
  /** Set by `stop`/`kill` from a user, so unless-stopped and always know not to restart it. */
  manuallyStopped: boolean;
  hasBeenStarted: boolean;
  /** Exec IDs currently known for this container. */
  execIds: string[];
  /** Binds, volumes and tmpfs mounts, resolved at create. */
  mountPoints?: MountPoint[];
}

export const ZERO_TIME = '0001-01-01T00:00:00Z';

export function newState(): ContainerState {
  return { status: 'created', pid: 0, exitCode: 0, error: '', oomKilled: false, startedAt: ZERO_TIME, finishedAt: ZERO_TIME };
}

export function isActive(rec: ContainerRecord): boolean {
  return rec.state.status === 'running' || rec.state.status === 'paused' || rec.state.status === 'restarting';
}
