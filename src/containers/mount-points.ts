import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { posix } from 'node:path';
import { invalidParameter } from '../common/errors.js';
import type { DockerJson } from './container-service.js';

/** One mount of a container, as Docker's inspect `Mounts` shows it (plus what start needs). */
export interface MountPoint {
  Type: 'bind' | 'volume' | 'tmpfs';
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
  /** Made for this container (image VOLUME, `-v /path`, `--mount type=volume` without source): `rm -v` removes it. */
  anonymous?: boolean;
  /** Skip copying the image's content into an empty volume (`nocopy`, `volume-nocopy`). */
  noCopy?: boolean;
  tmpfs?: { size?: number; mode?: number };
}

const PROPAGATIONS = new Set(['shared', 'slave', 'private', 'rshared', 'rslave', 'rprivate']);
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

function spec(s: string, why: string): never {
  throw invalidParameter(`invalid volume specification: '${s}'${why ? `: ${why}` : ''}`);
}

/** `-v` / Binds entries: `name:/dst[:opts]`, `/host:/dst[:opts]`, or `/dst` (anonymous). */
export function parseBind(s: string): MountPoint {
  const parts = s.split(':');
  if (parts.length > 3 || parts.some((p) => p === '')) spec(s, '');
  if (parts.length === 1) {
    if (!parts[0].startsWith('/')) spec(s, `invalid mount config for type "volume": invalid mount path: '${parts[0]}' mount path must be absolute`);
    return { Type: 'volume', Source: '', Destination: posix.normalize(parts[0]), Driver: 'local', Mode: '', RW: true, Propagation: '', anonymous: true };
  }
  const [src, dst, opts = ''] = parts;
  const isBind = src.startsWith('/') || src.startsWith('.');
  if (!dst.startsWith('/')) spec(s, `invalid mount config for type "${isBind ? 'bind' : 'volume'}": invalid mount path: '${dst}' mount path must be absolute`);
  if (src.startsWith('.')) spec(s, `invalid mount config for type "bind": invalid mount path: '${src}' mount path must be absolute`);
  const flags = opts ? opts.split(',') : [];
  let rw = true;
  let propagation = isBind ? 'rprivate' : '';
  let noCopy = false;
  for (const f of flags) {
    if (f === 'ro') rw = false;
    else if (f === 'rw') rw = true;
    else if (f === 'z' || f === 'Z') continue;
    else if (f === 'nocopy' && !isBind) noCopy = true;
    else if (PROPAGATIONS.has(f) && isBind) propagation = f;
    else spec(s, `invalid mode: ${opts}`);
  }
  if (!isBind && !VOLUME_NAME.test(src)) spec(s, `invalid volume name "${src}"`);
  return isBind
    ? { Type: 'bind', Source: posix.normalize(src), Destination: posix.normalize(dst), Mode: opts, RW: rw, Propagation: propagation }
    : { Type: 'volume', Name: src, Source: '', Destination: posix.normalize(dst), Driver: 'local', Mode: opts || 'z', RW: rw, Propagation: '', noCopy };
}

/** `--mount` entries (HostConfig.Mounts). */
export function parseMount(m: DockerJson): MountPoint {
  const target = m.Target ?? m.Destination;
  const kind = m.Type;
  const bad = (why: string) => {
    throw invalidParameter(`invalid mount config for type "${kind}": ${why}`);
  };
  if (!target) bad('field Target must not be empty');
  if (!String(target).startsWith('/')) bad(`invalid mount path: '${target}' mount path must be absolute`);
  const dst = posix.normalize(target);
  const rw = !m.ReadOnly;
  switch (kind) {
    case 'bind': {
      if (!m.Source) bad('field Source must not be empty');
      if (!existsSync(m.Source)) bad(`bind source path does not exist: ${m.Source}`);
      const propagation = m.BindOptions?.Propagation || 'rprivate';
      if (!PROPAGATIONS.has(propagation)) bad(`invalid propagation mode: ${propagation}`);
      return { Type: 'bind', Source: posix.normalize(m.Source), Destination: dst, Mode: '', RW: rw, Propagation: propagation };
    }
    case 'volume': {
      if (m.Source && !VOLUME_NAME.test(m.Source)) bad(`invalid volume name "${m.Source}"`);
      if (m.BindOptions) bad('field BindOptions must not be specified');
      return {
        Type: 'volume', Name: m.Source || undefined, Source: '', Destination: dst, Driver: m.VolumeOptions?.DriverConfig?.Name || 'local',
        Mode: 'z', RW: rw, Propagation: '', anonymous: !m.Source, noCopy: Boolean(m.VolumeOptions?.NoCopy),
      };
    }
    case 'tmpfs':
      if (m.Source) bad('field Source must not be specified');
      return { Type: 'tmpfs', Source: '', Destination: dst, Mode: '', RW: rw, Propagation: '', tmpfs: { size: m.TmpfsOptions?.SizeBytes || undefined, mode: m.TmpfsOptions?.Mode || undefined } };
    default:
      throw invalidParameter(`mount type unknown: '${kind}'`);
  }
}

/**
 * All mounts of a new container: Binds, Mounts, then anonymous volumes for the image's
 * VOLUMEs not already covered, then VolumesFrom. A destination may appear once.
 */
export async function resolveMountPoints(hc: DockerJson, imageVolumes: Record<string, object> | null | undefined, from: (ref: string) => MountPoint[]): Promise<MountPoint[]> {
  const out: MountPoint[] = [];
  const add = (mp: MountPoint) => {
    if (out.some((o) => o.Destination === mp.Destination)) throw invalidParameter(`Duplicate mount point: ${mp.Destination}`);
    out.push(mp);
  };
  for (const b of hc.Binds ?? []) {
    const mp = parseBind(b);
    // `-v /host:/ctr` creates a missing host folder, as dockerd does (`--mount` refuses instead).
    if (mp.Type === 'bind' && !existsSync(mp.Source)) await mkdir(mp.Source, { recursive: true });
    add(mp);
  }
  for (const m of hc.Mounts ?? []) add(parseMount(m));
  for (const ref of hc.VolumesFrom ?? []) {
    const [name, mode] = String(ref).split(':');
    if (mode && mode !== 'ro' && mode !== 'rw') throw invalidParameter(`invalid mode for volumes-from: ${mode}`);
    for (const mp of from(name)) {
      if (mp.Type === 'tmpfs' || out.some((o) => o.Destination === mp.Destination)) continue;
      out.push({ ...mp, anonymous: false, RW: mode ? mode === 'rw' : mp.RW });
    }
  }
  for (const dst of Object.keys(imageVolumes ?? {})) {
    const d = posix.normalize(dst);
    if (!out.some((o) => o.Destination === d)) out.push({ Type: 'volume', Source: '', Destination: d, Driver: 'local', Mode: '', RW: true, Propagation: '', anonymous: true });
  }
  return out;
}

/** OCI mounts for the runtime, parents before children. */
export function ociMounts(mps: MountPoint[]): { destination: string; source: string; type: string; options: string[] }[] {
  return [...mps]
    .sort((a, b) => a.Destination.split('/').length - b.Destination.split('/').length)
    .map((mp) => {
      if (mp.Type === 'tmpfs') {
        const opts = ['nosuid', 'nodev', 'noexec', mp.RW ? 'rw' : 'ro'];
        if (mp.tmpfs?.size) opts.push(`size=${mp.tmpfs.size}`);
        if (mp.tmpfs?.mode) opts.push(`mode=${mp.tmpfs.mode.toString(8)}`);
        return { destination: mp.Destination, source: 'tmpfs', type: 'tmpfs', options: opts };
      }
      return { destination: mp.Destination, source: mp.Source, type: 'bind', options: ['rbind', mp.Propagation || 'rprivate', mp.RW ? 'rw' : 'ro'] };
    });
}

/** Docker's inspect `Mounts` entry. */
export function mountView(mp: MountPoint): DockerJson {
  if (mp.Type === 'tmpfs') return { Type: 'tmpfs', Source: '', Destination: mp.Destination, Mode: '', RW: mp.RW, Propagation: '' };
  if (mp.Type === 'bind') return { Type: 'bind', Source: mp.Source, Destination: mp.Destination, Mode: mp.Mode, RW: mp.RW, Propagation: mp.Propagation };
  return { Type: 'volume', Name: mp.Name, Source: mp.Source, Destination: mp.Destination, Driver: mp.Driver ?? 'local', Mode: mp.Mode, RW: mp.RW, Propagation: '' };
}
