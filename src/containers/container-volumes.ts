import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { resolveDirInRoot } from '../archive/safe-path.js';
import type { ContainerContext } from './container-context.js';
import type { ContainerRecord } from './container-record.js';
import type { DockerJson } from './container-service.js';
import { resolveMountPoints, type MountPoint } from './mount-points.js';

const run = promisify(execFile);

/** Resolves a new container's mounts and creates the volumes they name (anonymous ones too). */
export async function prepareMounts(ctx: ContainerContext, hostConfig: DockerJson, configVolumes: Record<string, object> | null): Promise<MountPoint[]> {
  const mps = await resolveMountPoints(hostConfig, configVolumes, (ref) => ctx.store.get(ref).mountPoints ?? []);
  const vols = ctx.deps.volumes;
  const made: string[] = [];
  try {
    for (const mp of mps) {
      if (mp.Type !== 'volume' || mp.Source) continue;
      if (!vols) throw new Error('volumes are not available in this engine');
      const v = await vols.create({ Name: mp.Name, anonymous: mp.anonymous });
      if (mp.anonymous) made.push(v.Name);
      mp.Name = v.Name;
      mp.Source = v.Mountpoint;
    }
  } catch (err) {
    for (const name of made) await vols?.remove(name, { force: true }).catch(() => {});
    throw err;
  }
  return mps;
}

async function isEmptyDir(dir: string): Promise<boolean> {
  return (await readdir(dir).catch(() => ['?'])).length === 0;
}

/**
 * Before a start: mounts device-backed volumes, and copies the image's content at a
 * volume's destination into the volume while it is empty (Docker's copy-up).
 */
export async function acquireMounts(ctx: ContainerContext, rec: ContainerRecord, rootfs: string): Promise<void> {
  const vols = ctx.deps.volumes;
  if (!vols) return;
  for (const mp of rec.mountPoints ?? []) {
    if (mp.Type !== 'volume' || !mp.Name) continue;
    const host = await vols.acquire(mp.Name, rec.id);
    if (mp.noCopy || !(await isEmptyDir(host))) continue;
    const inImage = await resolveDirInRoot(rootfs, mp.Destination.split('/').filter(Boolean), false).catch(() => undefined);
    if (!inImage || !(await stat(inImage).then((s) => s.isDirectory(), () => false)) || (await isEmptyDir(inImage))) continue;
    // cp -a keeps owners, modes, links and xattrs; the source is inside the container's rootfs.
    await run('cp', ['-a', '--no-target-directory', join(inImage, '.'), host]).catch(() => {});
  }
}

export async function releaseMounts(ctx: ContainerContext, rec: ContainerRecord): Promise<void> {
  for (const mp of rec.mountPoints ?? []) {
    if (mp.Type === 'volume' && mp.Name) await ctx.deps.volumes?.release(mp.Name, rec.id).catch(() => {});
  }
}

/** `rm -v` and `--rm`: the container's anonymous volumes go with it. */
export async function removeAnonymousVolumes(ctx: ContainerContext, rec: ContainerRecord): Promise<void> {
  for (const mp of rec.mountPoints ?? []) {
    if (mp.Type === 'volume' && mp.Name && mp.anonymous) await ctx.deps.volumes?.remove(mp.Name).catch(() => {});
  }
}

/** Containers (by ID) whose mounts name a volume: a volume they use cannot be removed. */
export function volumeUsers(ctx: ContainerContext, name: string): string[] {
  return ctx.store.all().filter((c) => c.mountPoints?.some((m) => m.Type === 'volume' && m.Name === name)).map((c) => c.id);
}
