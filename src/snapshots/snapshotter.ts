import type { Readable } from 'node:stream';
import type { Image } from '../images/types.js';

/** One change in a container's writable layer, as `docker diff` reports it (0 modified, 1 added, 2 deleted). */
export interface Change {
  Path: string;
  Kind: 0 | 1 | 2;
}

/** An overlay mount ready to be handed to the OCI runtime as the root filesystem. */
export interface RootfsMount {
  type: 'overlay';
  source: 'overlay';
  /** lowerdir (top layer first), upperdir, workdir, as overlayfs options. */
  options: string[];
  /** Where the daemon mounts it for the runtime (the bundle's rootfs). */
  target: string;
}

/**
 * Overlay snapshotter. Terms: a *layer* is an image layer unpacked once into a read-only
 * directory keyed by its chain ID and shared by every image and container that uses it;
 * a *container layer* is a container's own upper+work directories on top of its image.
 *
 * Lifecycle: `ensureLayers(image)` (idempotent, concurrency-safe, atomic per layer) →
 * `createContainerLayer(id, image)` → `mount(id, target)` before the runtime starts →
 * `unmount(id)` when it stops → `removeContainerLayer(id)` on `rm`.
 * `diff`/`exportChanges` read a container layer against its image (whiteouts and opaque
 * directories become deletions), for `docker diff`, `commit` and `export`.
 */
/**
 * A layer directory being written in place (the builder writes COPY layers straight from
 * its files instead of unpacking the tar it also stores). Not visible as a layer until
 * `adopt`; `discard` removes it.
 */
export interface StagedLayer {
  readonly dir: string;
  /** Makes the directory the unpacked layer of `chainId` (dropped if that exists already). */
  adopt(layer: { chainId: string; diffId: string; blob: string; size: number }): Promise<void>;
  discard(): Promise<void>;
}

export interface Snapshotter {
  ensureLayers(image: Image): Promise<void>;
  /** A fresh directory on the layers' filesystem to write a layer in (see StagedLayer). */
  stageLayer(): Promise<StagedLayer>;
  createContainerLayer(containerId: string, image: Image | undefined): Promise<void>;
  mount(containerId: string, target: string): Promise<void>;
  unmount(containerId: string, target: string): Promise<void>;
  removeContainerLayer(containerId: string): Promise<void>;
  /** The containers that have a layer (for dropping those a crashed create left behind). */
  containerLayers(): Promise<string[]>;
  /** Path of the container's upper dir (for `docker cp` into a stopped container, size). */
  upperDir(containerId: string): string;
  /** Lower dirs of the container's image, top first. */
  lowerDirs(containerId: string): Promise<string[]>;
  diff(containerId: string): Promise<Change[]>;
  /** The container's changes as an OCI layer tar (whiteouts for deletions). */
  exportChanges(containerId: string): Readable;
  /** Size in bytes of the container's writable layer (`ps -s`). */
  containerLayerSize(containerId: string): Promise<number>;
  /** Remove unpacked layers no image references any more. */
  gc(liveChainIds: Set<string>): Promise<void>;
}
