/** Docker's volume shape (`GET /volumes/{name}`). */
export interface Volume {
  Name: string;
  Driver: string;
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string> | null;
  Options: Record<string, string> | null;
  Scope: 'local';
  UsageData?: { Size: number; RefCount: number } | null;
}

export interface VolumeCreate {
  Name?: string;
  Driver?: string;
  DriverOpts?: Record<string, string>;
  Labels?: Record<string, string>;
}

/**
 * Named and anonymous volumes with the `local` driver: a folder under the data root, or
 * (with `type`/`device`/`o` options) a filesystem mounted there while containers use it.
 * `inUse` is answered by the container service, which knows which containers mount what.
 * Errors: not-found "get X: no such volume", conflict "remove X: volume is in use - [ids]".
 */
export interface VolumeService {
  create(req: VolumeCreate): Promise<Volume>;
  inspect(name: string): Promise<Volume>;
  list(filters?: Record<string, string[]>): Promise<{ Volumes: Volume[]; Warnings: string[] }>;
  remove(name: string, opts?: { force?: boolean }): Promise<void>;
  prune(filters?: Record<string, string[]>): Promise<{ VolumesDeleted: string[] | null; SpaceReclaimed: number }>;
  /** Host path to bind into a container; mounts a device-backed volume on first use. */
  acquire(name: string, containerId: string): Promise<string>;
  /** The container no longer runs with it; a device-backed volume is unmounted when unused. */
  release(name: string, containerId: string): Promise<void>;
  setUsage(usage: (name: string) => string[]): void;
}
