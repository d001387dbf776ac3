/**
 * Where COPY/ADD files come from: the build context, or another stage's / image's
 * filesystem (fetched through the container archive API into a private directory), and
 * ADD's local archives (extracted into a private directory).
 */
import { mkdir, mkdtemp, open, readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { applyLayer } from '../../archive/apply-layer.js';
import { detectCompression } from '../../archive/decompress.js';
import type { Engine } from '../../engine/engine.js';
import type { Image } from '../../images/types.js';
import { CopyError } from './copy-plan.js';
import { createReadStream } from 'node:fs';

/** A throwaway container on `image` for reading or writing its files; removed by the caller. */
export async function probeContainer(engine: Engine, image: Image): Promise<string> {
  const { Id } = await engine.containers.create({ Image: image.id, Cmd: ['#(nop)'], Entrypoint: [''], HostConfig: { NetworkMode: 'none' } }, {});
  return Id;
}

/**
 * Copies the paths named by `srcs` (globs: their fixed leading directory) out of a
 * container into a fresh directory under `tmpRoot`, at the same relative paths.
 */
export async function fetchFromContainer(engine: Engine, containerId: string, srcs: string[], tmpRoot: string, cmdName: string): Promise<string> {
  const dir = await mkdtemp(join(tmpRoot, 'from-'));
  for (const src of srcs) {
    const clean = posix.normalize('/' + src).replace(/\/+$/, '') || '/';
    const comps = clean.split('/');
    const fixed = comps.findIndex((c) => /[*?[\\]/.test(c));
    const path = fixed < 0 ? clean : comps.slice(0, fixed).join('/') || '/';
    let got;
    try {
      got = await engine.containers.archiveGet(containerId, path);
    } catch {
      throw new CopyError(`${cmdName} failed: stat ${src}: file does not exist`);
    }
    const parent = path === '/' ? dir : join(dir, posix.dirname(path));
    await mkdir(parent, { recursive: true });
    await applyLayer(parent, got.tar, { whiteouts: 'none' });
  }
  return dir;
}

/** ADD's rule: a local file that is a tar (plain or compressed) is unpacked rather than copied. */
export async function isArchive(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await fh.read(head, 0, 512, 0);
    const h = head.subarray(0, bytesRead);
    if (detectCompression(h) !== 'none') return true;
    return bytesRead >= 262 && h.subarray(257, 262).toString('latin1') === 'ustar';
  } finally {
    await fh.close();
  }
}

export async function extractArchive(path: string, tmpRoot: string): Promise<string> {
  const dir = await mkdtemp(join(tmpRoot, 'add-'));
  await applyLayer(dir, createReadStream(path), { whiteouts: 'none' });
  return dir;
}

function lookup(file: string, name: string): number | undefined {
  for (const line of file.split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 3) return Number(f[2]);
  }
  return undefined;
}

/**
 * `--chown=user[:group]`: numbers as given; names through the image's /etc/passwd and
 * /etc/group (read by `readEtc`). A user alone gives its own primary group, as Docker.
 */
export async function resolveChown(spec: string, readEtc: (name: 'passwd' | 'group') => Promise<string>): Promise<{ uid: number; gid: number }> {
  const [user, group] = spec.split(':');
  let passwd: string | undefined;
  const pw = async () => (passwd ??= await readEtc('passwd').catch(() => ''));
  let uid: number;
  if (/^\d+$/.test(user)) uid = Number(user);
  else {
    const u = lookup(await pw(), user);
    if (u === undefined) throw new CopyError(`unable to convert uid/gid chown string to host mapping: can't find uid for user ${user}: no such user: ${user}`);
    uid = u;
  }
  if (group === undefined) {
    if (/^\d+$/.test(user)) return { uid, gid: uid };
    const line = (await pw()).split('\n').find((l) => l.split(':')[0] === user);
    return { uid, gid: Number(line?.split(':')[3] ?? uid) };
  }
  if (/^\d+$/.test(group)) return { uid, gid: Number(group) };
  const g = lookup(await readEtc('group').catch(() => ''), group);
  if (g === undefined) throw new CopyError(`unable to convert uid/gid chown string to host mapping: can't find gid for group ${group}: no such group: ${group}`);
  return { uid, gid: g };
}

/** Reads /etc/<name> from a container into memory (for --chown names). */
export async function readEtcFile(engine: Engine, containerId: string, name: 'passwd' | 'group', tmpRoot: string): Promise<string> {
  const dir = await fetchFromContainer(engine, containerId, [`/etc/${name}`], tmpRoot, 'COPY');
  return readFile(join(dir, 'etc', name), 'utf8');
}
