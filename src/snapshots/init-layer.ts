import { lstat, mkdir, writeFile, symlink, lchown, chmod, lutimes } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join, posix } from 'node:path';

/**
 * Mount points every container gets (dockerd's "init layer"): created in a small layer
 * between the image and the container's upper dir when the image lacks them, so the
 * runtime's bind mounts never create files in the container's own layer and `docker diff`
 * of a fresh container stays empty.
 */
const STUBS: Array<[string, 'dir' | 'file' | { link: string }]> = [
  ['/dev/pts', 'dir'],
  ['/dev/shm', 'dir'],
  ['/proc', 'dir'],
  ['/sys', 'dir'],
  ['/.dockerenv', 'file'],
  ['/etc/resolv.conf', 'file'],
  ['/etc/hosts', 'file'],
  ['/etc/hostname', 'file'],
  ['/dev/console', 'file'],
  ['/etc/mtab', { link: '/proc/mounts' }],
];

/** The entry the image shows at `path` (lowers top first; a whiteout hides what is below). */
async function imageEntry(lowers: string[], path: string): Promise<Stats | undefined> {
  for (const l of lowers) {
    const st = await lstat(join(l, path)).catch(() => undefined);
    if (!st) continue;
    return st.isCharacterDevice() && st.rdev === 0 ? undefined : st;
  }
  return undefined;
}

/** Fills `dir` with the stubs `lowers` (the image, top first) do not provide. */
export async function makeInitLayer(dir: string, lowers: string[]): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  for (const [path, kind] of STUBS) {
    if (await imageEntry(lowers, path)) continue;
    // Parents the init layer needs copy the image's attributes, so they change nothing visible.
    const parts = path.split('/').filter(Boolean);
    for (let i = 1; i < parts.length; i++) {
      const p = '/' + parts.slice(0, i).join('/');
      if (await lstat(join(dir, p)).catch(() => undefined)) continue;
      const below = await imageEntry(lowers, p);
      if (below && !below.isDirectory()) break; // a file or symlink where a dir should be: leave it
      await mkdir(join(dir, p), { mode: 0o755 });
      if (below) {
        await lchown(join(dir, p), below.uid, below.gid);
        await chmod(join(dir, p), below.mode & 0o7777);
      }
    }
    const target = join(dir, path);
    if (!(await lstat(join(dir, posix.dirname(path))).catch(() => undefined))?.isDirectory()) continue;
    if (kind === 'dir') await mkdir(target, { mode: 0o755 });
    else if (kind === 'file') await writeFile(target, '', { mode: 0o755 });
    else await symlink(kind.link, target);
  }
  // Directory times last, from the image, once their children exist.
  for (const [path] of STUBS) {
    const parts = path.split('/').filter(Boolean);
    for (let i = parts.length - 1; i >= 1; i--) {
      const p = '/' + parts.slice(0, i).join('/');
      const below = await imageEntry(lowers, p);
      if (below?.isDirectory() && (await lstat(join(dir, p)).catch(() => undefined))) await lutimes(join(dir, p), below.atime, below.mtime);
    }
  }
}
