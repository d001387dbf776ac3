import { lstat, readdir } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join, posix } from 'node:path';
import type { Change } from '../snapshots/snapshotter.js';
import { OVERLAY_OPAQUE_XATTR } from './apply-layer.js';
import { listXattrsRecursive } from './xattr.js';

export const ChangeKind = { Modify: 0, Add: 1, Delete: 2 } as const;

/** A read-only layer under a container: its dir and the opaque dirs it holds ("/a/b" form). */
export interface LowerLayer {
  dir: string;
  opaque?: Set<string>;
}

/** Go's sort order for names: bytewise. */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export function isWhiteout(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

/** Whether `path` or one of its ancestors is opaque in this layer (hiding deeper layers). */
function opaqueAbove(layer: LowerLayer, path: string, includeSelf: boolean): boolean {
  if (!layer.opaque?.size) return false;
  for (let p = includeSelf ? path : posix.dirname(path); p !== '/'; p = posix.dirname(p)) if (layer.opaque.has(p)) return true;
  return false;
}

/** The image's view (lowers, top first) of one path: overlay semantics with whiteouts and opaque dirs. */
async function lowerStat(lowers: LowerLayer[], path: string): Promise<Stats | undefined> {
  for (const l of lowers) {
    const st = await lstat(join(l.dir, path)).catch(() => undefined);
    if (st) return isWhiteout(st) ? undefined : st;
    if (opaqueAbove(l, path, false)) return undefined;
  }
  return undefined;
}

/** Names the image's view shows in directory `path`. */
async function lowerChildren(lowers: LowerLayer[], path: string): Promise<string[]> {
  const seen = new Set<string>();
  const hidden = new Set<string>();
  for (const l of lowers) {
    const st = await lstat(join(l.dir, path)).catch(() => undefined);
    if (st && !st.isDirectory()) break; // a file here hides anything deeper
    if (st) {
      for (const n of await readdir(join(l.dir, path))) {
        if (seen.has(n) || hidden.has(n)) continue;
        const cst = await lstat(join(l.dir, path, n)).catch(() => undefined);
        if (cst && isWhiteout(cst)) hidden.add(n);
        else seen.add(n);
      }
    }
    if (opaqueAbove(l, path, true)) break;
  }
  return [...seen];
}

/** dockerd's statDifferent: mode, owner, rdev; size and mtime only for non-directories. */
function statDifferent(a: Stats, b: Stats): boolean {
  if (a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid || a.rdev !== b.rdev) return true;
  return !a.isDirectory() && (a.mtimeMs !== b.mtimeMs || a.size !== b.size);
}

/**
 * `docker diff` of an overlay container layer with the semantics of dockerd's tree
 * comparison (what its overlay2 driver reports on kernels like this one): the merged view
 * against the image's view. New entries are A (a new directory's whole content too),
 * entries whose mode, owner, device, or (non-dirs) size or mtime differ are C, entries the
 * image had and the container hides (whiteouts, opaque dirs) are D; a directory with changes
 * inside is C, listed before them. Only the upper dir and the paths it names are read.
 */
export async function overlayChanges(upper: string, lowerDirs: Array<string | LowerLayer>): Promise<Change[]> {
  const lowers = lowerDirs.map((l) => (typeof l === 'string' ? { dir: l } : l));
  const xattrs = await listXattrsRecursive(upper);
  const changes: Change[] = [];
  const isOpaque = (path: string): boolean => xattrs.get(join(upper, path))?.get(OVERLAY_OPAQUE_XATTR)?.toString() === 'y';

  /** Everything under a new directory is new. */
  const addAll = async (path: string): Promise<void> => {
    for (const n of (await readdir(join(upper, path))).sort(byteOrder)) {
      const p = posix.join(path, n);
      const st = await lstat(join(upper, p)).catch(() => undefined);
      if (!st || isWhiteout(st)) continue;
      changes.push({ Path: p, Kind: ChangeKind.Add });
      if (st.isDirectory()) await addAll(p);
    }
  };

  /**
   * Changes inside directory `path`, which exists in upper and (as a dir) below; `hiding`
   * when it or an ancestor is opaque in upper (then what only the image has is deleted).
   */
  const visit = async (path: string, hiding: boolean): Promise<void> => {
    const names = (await readdir(join(upper, path))).sort(byteOrder);
    const present = new Set<string>();
    const deleted: string[] = [];
    for (const n of names) {
      const p = posix.join(path, n);
      const now = await lstat(join(upper, p)).catch(() => undefined);
      if (!now) continue;
      if (isWhiteout(now)) {
        if (await lowerStat(lowers, p)) deleted.push(p);
        continue;
      }
      present.add(n);
      const before = await lowerStat(lowers, p);
      const at = changes.length;
      if (!before) {
        changes.push({ Path: p, Kind: ChangeKind.Add });
        if (now.isDirectory()) await addAll(p);
        continue;
      }
      const modified = statDifferent(before, now);
      if (modified) changes.push({ Path: p, Kind: ChangeKind.Modify });
      if (now.isDirectory()) {
        if (before.isDirectory()) await visit(p, hiding || isOpaque(p));
        else await addAll(p);
        if (!modified && changes.length > at) changes.splice(at, 0, { Path: p, Kind: ChangeKind.Modify });
      }
    }
    if (hiding) {
      for (const n of await lowerChildren(lowers, path)) if (!present.has(n)) deleted.push(posix.join(path, n));
    }
    for (const p of [...new Set(deleted)].sort(byteOrder)) changes.push({ Path: p, Kind: ChangeKind.Delete });
  };

  await visit('/', isOpaque('/'));
  return changes;
}
