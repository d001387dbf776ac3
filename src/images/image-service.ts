import type { Readable, Writable } from 'node:stream';
import type { Image, ImageRuntimeConfig } from './types.js';

export interface ImageSummaryFilter {
  /** Docker's `--filter` map: dangling, label, before, since, reference. */
  filters?: Record<string, string[]>;
  all?: boolean;
}

export interface RemoveResult {
  Untagged?: string;
  Deleted?: string;
}

/** A container using an image; `running` decides Docker's hard (running) vs soft (stopped) conflicts. */
export interface ImageUser {
  id: string;
  running: boolean;
}

/** Tells whether a container uses an image ID; a bare string is a container ID taken as stopped. */
export type UsageCheck = (imageId: string) => string | ImageUser | undefined;

/** One row of `docker history` (the API's shape). */
export interface HistoryItem {
  /** Image ID for the row that is an image, "<missing>" otherwise. */
  Id: string;
  /** Unix seconds. */
  Created: number;
  CreatedBy: string;
  Tags: string[] | null;
  Size: number;
  Comment: string;
}

export interface ImportOptions {
  /** Tag to give the new image, e.g. "busybox:latest" (normalised). */
  reference?: string;
  /** Dockerfile-style changes: `CMD ["sh"]`, `ENV A=b`, `WORKDIR /x`, … */
  changes?: string[];
  message?: string;
  platform?: string;
}

export interface CommitOptions {
  reference?: string;
  author?: string;
  comment?: string;
  changes?: string[];
  /** Runtime config of the new image (Docker takes the container's, overridden by changes). */
  config?: ImageRuntimeConfig;
  /**
   * Set by Wharf's own tar writers (the builder's COPY layers): the layer is an uncompressed
   * tar whose unpacked size is this, so it is not read back to learn its diffID and size.
   */
  layerContentSize?: number;
}

/**
 * The local image store: names, manifests, configs and the layers' blobs. Layers are
 * unpacked by the snapshotter when a container needs them, once per chain ID.
 *
 * References are normalised as Docker does: `busybox` = `docker.io/library/busybox:latest`.
 * `get` also takes a full or short (>= 1 hex digit, unambiguous) image ID and `name@digest`.
 * Every method throws WharfError: not-found ("No such image: X"), conflict (in use), invalid-parameter.
 */
export interface ImageService {
  get(ref: string): Promise<Image>;
  list(opts?: ImageSummaryFilter): Promise<Image[]>;
  tag(source: string, target: string): Promise<void>;
  /** `docker rmi`: untags `ref` and deletes the image when no name is left; the usage check
   * lets the container service veto it (Docker's 409 conflicts). Results in Docker's order:
   * Untagged entries (familiar names), then Deleted: image ID, then the dropped chain IDs. */
  remove(ref: string, opts: { force?: boolean; noPrune?: boolean }): Promise<RemoveResult[]>;
  /** Import a rootfs tarball (plain, gzip; zstd/xz/bzip2 through their tools) as a one-layer image. */
  importRootfs(tar: Readable, opts: ImportOptions): Promise<Image>;
  /** `docker load`: docker-archive or OCI layout tarball (optionally compressed). `tags` are familiar
   * names ("Loaded image: X"), `ids` the images that got no name ("Loaded image ID: X"). */
  load(tar: Readable): Promise<{ tags: string[]; ids: string[] }>;
  /** `docker save`: docker-archive format (with OCI index and oci-layout, as Docker 25+ writes). */
  save(refs: string[], out: Writable): Promise<void>;
  /** Create an image from a container's changes (a layer tar stream) on top of a parent. */
  commit(parent: Image | undefined, layer: Readable, opts: CommitOptions): Promise<Image>;
  prune(opts: { all?: boolean; filters?: Record<string, string[]> }): Promise<{ deleted: RemoveResult[]; spaceReclaimed: number }>;
  /** `docker history`: newest first. */
  history(ref: string): Promise<HistoryItem[]>;
  /** Register a predicate telling whether an image ID is used by a container. */
  setUsageCheck(check: UsageCheck): void;
}
