import { lstat, mkdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidParameter } from '../common/errors.js';

/**
 * Turns a tar entry name into path components relative to the archive root, the way
 * Docker cleans names: a leading "/" is dropped (absolute names land inside the root),
 * "." and empty components vanish and ".." is resolved lexically. A name that climbs
 * above the root is hostile and throws: nothing outside the target may be written.
 */
export function cleanEntryName(name: string): string[] {
  const out: string[] = [];
  for (const c of name.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (out.length === 0) throw invalidParameter(`invalid tar entry ${JSON.stringify(name)}: path is outside of the target directory`);
      out.pop();
      continue;
    }
    if (c.includes('\0')) throw invalidParameter(`invalid tar entry ${JSON.stringify(name)}: NUL in name`);
    out.push(c);
  }
  return out;
}

/**
 * Resolves directory components inside `root` as if `root` were "/" (a chroot): symlinks
 * met on the way are followed but absolute targets restart at `root` and ".." stops at it,
 * so the result is always inside `root`. Missing directories are created (0755) when
 * `create` is set, as Docker does for entries whose parents the tar omits.
 */
export async function resolveDirInRoot(root: string, comps: string[], create: boolean): Promise<string> {
  return (await resolveDirTraced(root, comps, create)).path;
}

/** As resolveDirInRoot, also listing every path it looked at (to invalidate caches of it). */
export async function resolveDirTraced(root: string, comps: string[], create: boolean): Promise<{ path: string; traversed: string[] }> {
  const traversed: string[] = [];
  let stack: string[] = [];
  let pending = [...comps];
  let hops = 0;
  while (pending.length > 0) {
    const c = pending.shift() as string;
    if (c === '' || c === '.') continue;
    if (c === '..') {
      stack.pop();
      continue;
    }
    const p = join(root, ...stack, c);
    traversed.push(p);
    let st;
    try {
      st = await lstat(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !create) throw err;
      await mkdir(p, { mode: 0o755 });
      stack.push(c);
      continue;
    }
    if (st.isSymbolicLink()) {
      if (++hops > 40) throw invalidParameter(`too many levels of symbolic links resolving /${comps.join('/')}`);
      const target = await readlink(p);
      if (target.startsWith('/')) stack = [];
      pending = [...target.split('/'), ...pending];
      continue;
    }
    if (!st.isDirectory()) throw invalidParameter(`cannot extract into /${[...stack, c].join('/')}: not a directory`);
    stack.push(c);
  }
  return { path: join(root, ...stack), traversed };
}
