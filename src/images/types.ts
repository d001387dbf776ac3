/**
 * Image types shared by the image store, the snapshotter, the container service and the
 * API. Field names follow the OCI image spec (and Docker's image config, a superset).
 */

/** OCI descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: string; // "sha256:<hex>"
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string; variant?: string };
}

/** The runtime part of an image config (OCI `config`; Docker's ContainerConfig subset). */
export interface ImageRuntimeConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  Healthcheck?: HealthConfig;
  OnBuild?: string[] | null;
  Shell?: string[];
  ArgsEscaped?: boolean;
}

/** Docker's health check config; durations are nanoseconds. */
export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** OCI image config JSON (the blob whose digest is the image ID). */
export interface ImageConfigFile {
  architecture: string;
  os: string;
  variant?: string;
  created?: string;
  author?: string;
  config?: ImageRuntimeConfig;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: HistoryEntry[];
  // Docker extras kept when present.
  comment?: string;
  docker_version?: string;
  container?: string;
  container_config?: ImageRuntimeConfig;
}

/** A resolved local image. */
export interface Image {
  /** "sha256:<hex>" digest of the config blob. */
  id: string;
  config: ImageConfigFile;
  /** Digest of the config JSON's parent image when built locally (Docker's "Parent"). */
  parent?: string;
  /** Fully qualified tags, e.g. "docker.io/library/busybox:latest". */
  repoTags: string[];
  /** "name@sha256:…" for manifests this image was pulled or pushed as. */
  repoDigests: string[];
  /** Uncompressed bytes of all layers. */
  size: number;
  /** Chain IDs, bottom layer first (OCI image spec's ChainID). */
  chainIds: string[];
  /** Compressed layer descriptors as they stand in the manifest, bottom first. */
  layers: Descriptor[];
  /** When the image entered this store (ISO). */
  loaded: string;
}
