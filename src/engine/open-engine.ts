import { mkdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../common/atomic-file.js';
import { newId } from '../common/ids.js';
import { ContainerManager } from '../containers/container-manager.js';
import { EventBus } from '../events/event-bus.js';
import { openStorage } from '../images/open-storage.js';
import { OciRuntime } from '../runtime/oci-runtime.js';
import { LocalVolumes } from '../volumes/local-volumes.js';
import { NetworkService } from '../networks/index.js';
import type { Engine } from './engine.js';
import { EngineSystem } from './system-service.js';
import { publishImageEvents } from './image-events.js';
import { publishNetworkEvents } from './network-events.js';
import { collectLayersAfterImageDeletes } from './layer-gc.js';
import type { LogConfig } from '../logging/index.js';
import type { RealtimeBudget } from '../runtime/realtime-budget.js';

export interface EngineOptions {
  /** Persistent state: images, layers, containers (dockerd's --data-root). */
  dataRoot: string;
  /** Runtime state that lives as long as the host is up: runc state, bundles, sockets (dockerd's --exec-root). */
  execRoot: string;
  runtimePath?: string;
  conmonPath?: string;
  /** Parent cgroup for containers (dockerd's --cgroup-parent), default /wharf. */
  cgroupParent?: string;
  /** Networking: default bridge, subnets, masquerading (dockerd's -b, --bip, --default-address-pool, --ip-masq). */
  network?: { ipMasq?: boolean; defaultBridge?: string; defaultSubnet?: string; pools?: string[]; dns?: boolean };
  /** Registries reached over plain HTTP besides loopback (dockerd's --insecure-registry). */
  insecureRegistries?: string[];
  /** Containers' default log driver and options (dockerd's --log-driver, --log-opt). */
  logConfig?: LogConfig;
  /** Real-time budget of the containers' parent cgroup (dockerd's --cpu-rt-period, --cpu-rt-runtime). */
  realtimeBudget?: RealtimeBudget;
}

/** A stable identifier for this engine, kept in the data root (dockerd's ID in /info). */
async function engineId(dataRoot: string): Promise<string> {
  const p = join(dataRoot, 'engine-id');
  try {
    return (await readFile(p, 'utf8')).trim();
  } catch {
    const id = newId();
    await writeFileAtomic(p, id);
    return id;
  }
}

/** Opens the engine on a data root: storage, runtime, containers (reconciled with what still runs), events. */
export async function openEngine(opts: EngineOptions): Promise<Engine & { containers: ContainerManager; volumes: LocalVolumes; networks: NetworkService }> {
  await mkdir(opts.dataRoot, { recursive: true, mode: 0o711 });
  await mkdir(opts.execRoot, { recursive: true, mode: 0o700 });
  const events = new EventBus();
  const storage = await openStorage(opts.dataRoot);
  publishImageEvents(storage.images, events);
  const stopLayerGc = collectLayersAfterImageDeletes(events, storage.images, storage.snapshotter);
  const runtime = new OciRuntime({ stateRoot: join(opts.execRoot, 'runtime'), runtimePath: opts.runtimePath, conmonPath: opts.conmonPath });
  const volumes = await LocalVolumes.open(join(opts.dataRoot, 'volumes'), events);
  const networks = await NetworkService.open({ dataRoot: opts.dataRoot, execRoot: opts.execRoot, ...opts.network });
  publishNetworkEvents(networks, events);
  const containers = await ContainerManager.open({
    root: join(opts.dataRoot, 'containers'),
    execRoot: opts.execRoot,
    images: storage.images,
    snapshotter: storage.snapshotter,
    runtime,
    events,
    cgroupParent: opts.cgroupParent,
    defaultLogConfig: opts.logConfig,
    realtimeBudget: opts.realtimeBudget,
    volumes,
    networks,
  });
  const cgroupVersion = existsSync('/sys/fs/cgroup/cgroup.controllers') ? '2' : '1';
  const system = new EngineSystem({ dataRoot: opts.dataRoot, id: await engineId(opts.dataRoot), containers, images: storage.images, runtimeName: runtime.name, cgroupVersion, loggingDriver: opts.logConfig?.Type || 'json-file' });
  return {
    dataRoot: opts.dataRoot,
    images: storage.images,
    containers,
    events,
    system,
    volumes,
    networks,
    snapshots: storage.snapshotter,
    async close() {
      stopLayerGc();
      await containers.drain();
      await containers.close();
      runtime.close();
      await networks.close();
    },
  };
}
