import type { Image } from '../images/types.js';
import { compareVersions } from './api-version.js';

/** dockerd shows references in their familiar form: `docker.io/library/busybox:latest` → `busybox:latest`. */
export function familiarName(ref: string): string {
  if (ref.startsWith('docker.io/library/')) return ref.slice('docker.io/library/'.length);
  if (ref.startsWith('docker.io/')) return ref.slice('docker.io/'.length);
  return ref;
}

function unixSeconds(iso: string | undefined): number {
  const ms = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

/** `GET /images/json` entries. */
export function imageSummary(img: Image, apiVersion: string): Record<string, unknown> {
  const summary: Record<string, unknown> = {
    Containers: -1,
    Created: unixSeconds(img.config.created),
    Id: img.id,
    Labels: img.config.config?.Labels ?? {},
    ParentId: img.parent ?? '',
    RepoDigests: img.repoDigests.map(familiarName),
    RepoTags: img.repoTags.map(familiarName),
    SharedSize: -1,
    Size: img.size,
  };
  if (compareVersions(apiVersion, '1.44') < 0) summary.VirtualSize = img.size;
  return summary;
}

/** The container-config shape dockerd fills every key of in `image inspect`. */
const EMPTY_CONFIG = {
  Hostname: '',
  Domainname: '',
  User: '',
  AttachStdin: false,
  AttachStdout: false,
  AttachStderr: false,
  Tty: false,
  OpenStdin: false,
  StdinOnce: false,
  Env: null,
  Cmd: null,
  Image: '',
  Volumes: null,
  WorkingDir: '',
  Entrypoint: null,
  OnBuild: null,
  Labels: null,
};

/** `GET /images/{name}/json`, in dockerd's key set. */
export function imageInspect(img: Image, apiVersion: string): Record<string, unknown> {
  const c = img.config;
  const out: Record<string, unknown> = {
    Id: img.id,
    RepoTags: img.repoTags.map(familiarName),
    RepoDigests: img.repoDigests.map(familiarName),
    Parent: img.parent ?? '',
    Comment: c.comment ?? c.history?.at(-1)?.comment ?? '',
    Created: c.created ?? '0001-01-01T00:00:00Z',
    DockerVersion: c.docker_version ?? '',
    Author: c.author ?? '',
    Config: { ...EMPTY_CONFIG, ...(c.config ?? {}) },
    Architecture: c.architecture,
    Os: c.os,
    Size: img.size,
    GraphDriver: { Name: 'overlay2', Data: null },
    RootFS: { Type: 'layers', Layers: c.rootfs.diff_ids },
    Metadata: { LastTagTime: img.loaded },
  };
  if (c.variant) out.Variant = c.variant;
  if (compareVersions(apiVersion, '1.44') < 0) out.VirtualSize = img.size;
  if (compareVersions(apiVersion, '1.45') < 0) {
    out.Container = c.container ?? '';
    out.ContainerConfig = { ...EMPTY_CONFIG, ...(c.container_config ?? {}) };
  }
  return out;
}

/**
 * `GET /images/{name}/history`: newest first; only the newest entry carries the image ID
 * and tags, older ones are "<missing>" as for any image not built locally.
 */
export function imageHistory(img: Image): Record<string, unknown>[] {
  const layers = img.layers;
  // A single layer's uncompressed size is the image's; with several only compressed sizes are known.
  const layerSize = (i: number) => (layers.length === 1 ? img.size : (layers[i]?.size ?? 0));
  const history = img.config.history?.length
    ? img.config.history
    : img.config.rootfs.diff_ids.map(() => ({ created: img.config.created } as { created?: string; created_by?: string; comment?: string; empty_layer?: boolean }));
  let layer = 0;
  const entries = history.map((h) => ({
    Id: '<missing>',
    Created: unixSeconds(h.created),
    CreatedBy: h.created_by ?? '',
    Tags: null as string[] | null,
    Size: h.empty_layer ? 0 : layerSize(layer++),
    Comment: h.comment ?? '',
  }));
  entries.reverse();
  if (entries[0]) {
    entries[0].Id = img.id;
    entries[0].Tags = img.repoTags.map(familiarName);
  }
  return entries;
}
