import type { ImageService } from '../images/image-service.js';
import type { Snapshotter } from '../snapshots/snapshotter.js';
import type { ContainerService } from '../containers/container-service.js';
import type { EventBus } from '../events/event-bus.js';
import type { VolumeService } from '../volumes/volume-service.js';
import type { NetworkService } from '../networks/index.js';

/** Docker's `/info`, `/version` and `/system/df`, in Docker's shapes. */
export interface SystemService {
  info(): Promise<Record<string, any>>;
  version(): Promise<Record<string, any>>;
  df(): Promise<Record<string, any>>;
}

/**
 * The engine as a library: everything the daemon's HTTP API, the CLI (through the API)
 * and later the cluster's node agent use. Built by `openEngine` (src/engine/open-engine.ts).
 */
export interface Engine {
  readonly dataRoot: string;
  readonly images: ImageService;
  readonly containers: ContainerService;
  readonly events: EventBus;
  readonly system: SystemService;
  readonly volumes?: VolumeService;
  readonly networks?: NetworkService;
  /** Layer staging, for the builder's COPY layers (absent: layers are unpacked from their tars). */
  readonly snapshots?: Pick<Snapshotter, 'stageLayer'>;
  close(): Promise<void>;
}
