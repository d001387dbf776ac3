import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { KeyedMutex } from '../common/keyed-mutex.js';
import type { EventBus } from '../events/event-bus.js';
import type { ImageService } from '../images/image-service.js';
import type { Runtime } from '../runtime/runtime.js';
import { grantRealtimeBudget, type RealtimeBudget } from '../runtime/realtime-budget.js';
import { detectCgroups } from '../runtime/cgroups.js';
import { DEFAULT_CGROUP_PARENT } from './spec-input.js';
import type { Snapshotter } from '../snapshots/snapshotter.js';
import type { LocalVolumes } from '../volumes/local-volumes.js';
import type { NetworkService } from '../networks/index.js';
import type { ContainerRecord } from './container-record.js';
import { ContainerStore } from './container-store.js';
import { etcFilePaths } from './etc-files.js';
import { ContainerLogs, type LogConfig, type LogTarget } from '../logging/index.js';

export interface ContainerDeps {
  /** <data-root>/containers */
  root: string;
  /** <exec-root>: runtime bundles, sockets (tmpfs; gone after a reboot). */
  execRoot: string;
  images: ImageService;
  snapshotter: Snapshotter;
  runtime: Runtime;
  events: EventBus;
  /** Parent cgroup of every container (dockerd's --cgroup-parent); default /wharf. */
  cgroupParent?: string;
  volumes?: LocalVolumes;
  networks?: NetworkService;
  /** dockerd's --log-driver/--log-opt: what containers log with unless they say otherwise. */
  defaultLogConfig?: LogConfig;
  /** dockerd's --cpu-rt-period/--cpu-rt-runtime: real-time budget given to the parent cgroup. */
  realtimeBudget?: RealtimeBudget;
}

/**
 * What the container service's parts share: the store, one lock per container, and a
 * signal board telling waiters about exits, starts and removals.
 */
export class ContainerContext {
  readonly store: ContainerStore;
  readonly locks = new KeyedMutex();
  /** Emits `exit:<id>` (exit code), `start:<id>` (after the runtime created it, before it runs), `removed:<id>`. */
  readonly signals = new EventEmitter();
  /** Exited containers whose runtime state, mounts and networks are still to be torn down. */
  readonly needsTeardown = new Set<string>();
  /** Ships each running container's output into its json-file log and reads it back. */
  readonly logs: ContainerLogs;

  constructor(readonly deps: ContainerDeps) {
    this.store = new ContainerStore(deps.root);
    this.signals.setMaxListeners(0);
    this.logs = new ContainerLogs((id) => deps.runtime.reopenLog(id));
  }

  dir(id: string): string {
    return this.store.dir(id);
  }
  rootfs(id: string): string {
    return join(this.dir(id), 'rootfs');
  }
  /** LogPath as inspect shows it: the json-file log, or "" for other drivers. */
  logPath(rec: ContainerRecord): string {
    return ContainerLogs.logPath(this.dir(rec.id), rec.id, rec.hostConfig.LogConfig);
  }
  /**
   * Before a container gets real-time CPU time (at start or by update): the daemon's budget
   * for the cgroups above it, which start with none.
   */
  async grantRealtimeBudget(rec: ContainerRecord): Promise<void> {
    if (!rec.hostConfig.CpuRealtimePeriod && !rec.hostConfig.CpuRealtimeRuntime) return;
    await grantRealtimeBudget(detectCgroups(), rec.hostConfig.CgroupParent || this.deps.cgroupParent || DEFAULT_CGROUP_PARENT, this.deps.realtimeBudget ?? {});
  }

  logTarget(rec: ContainerRecord): LogTarget {
    return {
      id: rec.id,
      dir: this.dir(rec.id),
      config: rec.hostConfig.LogConfig,
      source: { id: rec.id, name: rec.name, image: rec.image, imageId: rec.imageId, labels: rec.config.Labels ?? {}, env: rec.config.Env ?? [] },
    };
  }

  /** Where the containers' runtime bundles live (one folder per container). */
  get bundles(): string {
    return join(this.deps.execRoot, 'containers');
  }

  bundle(id: string): string {
    return join(this.bundles, id);
  }
  etcFiles(id: string) {
    return etcFilePaths(this.dir(id));
  }

  save(rec: ContainerRecord, durable = false): Promise<void> {
    return this.store.save(rec, durable);
  }

  emitEvent(rec: ContainerRecord, action: string, extra: Record<string, string> = {}): void {
    this.deps.events.publish('container', action, rec.id, { ...(rec.config.Labels ?? {}), image: rec.image, name: rec.name, ...extra });
  }
}
