import { lstat, readdir, readlink } from 'node:fs/promises';
import { createReadStream, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pack, type Header } from 'tar-stream';

/** Go's os.FileMode bits from a stat, as `X-Docker-Container-Path-Stat` carries them. */
export function goFileMode(st: Stats): number {
  let mode = st.mode & 0o777;
  if (st.isDirectory()) mode |= 0x80000000;
  if (st.isSymbolicLink()) mode |= 0x08000000;
  if (st.isFIFO()) mode |= 0x02000000;
  if (st.isSocket()) mode |= 0x01000000;
  if (st.isCharacterDevice()) mode |= 0x04000000 | 0x00200000;
  if (st.isBlockDevice()) mode |= 0x04000000;
  if (st.mode & 0o4000) mode |= 0x00800000;
  if (st.mode & 0o2000) mode |= 0x00400000;
  if (st.mode & 0o1000) mode |= 0x00100000;
  return mode >>> 0;
}

function headerOf(name: string, st: Stats): Partial<Header> & { name: string } {
  const base = { name, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime };
  if (st.isDirectory()) return { ...base, type: 'directory' };
  if (st.isFIFO()) return { ...base, type: 'fifo' };
  if (st.isCharacterDevice() || st.isBlockDevice()) {
    return { ...base, type: st.isCharacterDevice() ? 'character-device' : 'block-device', devmajor: Math.floor(st.rdev / 256), devminor: st.rdev % 256 };
  }
  return { ...base, type: 'file', size: st.size };
}

/**
 * Streams `src` (a file, link or directory tree on the host side of a container's rootfs)
 * as a tar whose entries are named under `name`. Symlinks are stored, never followed;
 * hard links inside the tree are stored once. `skip` prunes subtrees (e.g. /proc of an export).
 */
export function packPath(src: string, name: string, skip: (rel: string) => boolean = () => false): Readable {
  const p = pack();
  const seenInodes = new Map<string, string>();
  const walk = async (path: string, entry: string, rel: string): Promise<void> => {
    const st = await lstat(path);
    if (st.isSocket()) return;
    if (st.isSymbolicLink()) {
      p.entry({ name: entry, type: 'symlink', linkname: await readlink(path), mode: 0o777, uid: st.uid, gid: st.gid, mtime: st.mtime });
      return;
    }
    if (st.isFile() && st.nlink > 1) {
      const key = `${st.dev}:${st.ino}`;
      const first = seenInodes.get(key);
      if (first) {
        p.entry({ name: entry, type: 'link', linkname: first, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime });
        return;
      }
      seenInodes.set(key, entry);
    }
    if (st.isFile()) {
      await new Promise<void>((resolve, reject) => {
        const w = p.entry(headerOf(entry, st) as Header, (err) => (err ? reject(err) : resolve()));
        createReadStream(path).on('error', reject).pipe(w);
      });
      return;
    }
    if (entry) p.entry(headerOf(entry, st) as Header);
    if (st.isDirectory() && !skip(rel)) {
      for (const child of (await readdir(path)).sort()) {
        await walk(join(path, child), entry ? `${entry}/${child}` : child, rel ? `${rel}/${child}` : child);
      }
    }
  };
  walk(src, name, '')
    .then(() => p.finalize())
    .catch((err) => p.destroy(err));
  return p as unknown as Readable;
}
