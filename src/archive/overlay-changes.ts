import { lstat, readdir } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join, posix } from 'node:path';
import type { Change } from '../snapshots/snapshotter.js';
import { OVERLAY_OPAQUE_XATTR } from './apply-layer.js';
import { listXattrsRecursive } from './xattr.js';

export const ChangeKind = { Modify: 0, Add: 1, Delete: 2 } as const;

/** Go's sort order for names: bytewise. */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export function isWhiteout(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

/** The entry visible at `path` through the lowers (top first), or undefined when absent/whited out. */
async function lowerEntry(lowers: string[], path: string): Promise<Stats | undefined> {
  for (const l of lowers) {
    const st = await lstat(join(l, path)).catch(() => undefined);
    if (!st) continue;
    return isWhiteout(st) ? undefined : st;
  }
  return undefined;
}

/**
 * `docker diff` for an overlay container layer, with dockerd's semantics: walking the upper
 * dir in name order, a whiteout or an opaque dir over an existing one is a deletion (D), an entry present below
 * is a change (C) unless it is a directory whose size, mode and mtime match, anything else
 * is an addition (A); the parent of an A/D is reported as C once.
 */
export async function overlayChanges(upper: string, lowers: string[]): Promise<Change[]> {
  const xattrs = await listXattrsRecursive(upper);
  const changes: Change[] = [];
  const changedDirs = new Set<string>();
  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(join(upper, rel))).sort(byteOrder);
    for (const name of names) {
      const path = posix.join('/', rel, name);
      const full = join(upper, path);
      const st = await lstat(full).catch(() => undefined);
      if (!st) continue;
      const opaque = st.isDirectory() && xattrs.get(full)?.get(OVERLAY_OPAQUE_XATTR)?.toString() === 'y';
      let kind: Change['Kind'];
      let skip = false;
      // An opaque dir replaced a directory below it (D); with nothing below it is just new.
      if (isWhiteout(st) || (opaque && (await lowerEntry(lowers, path)))) {
        kind = ChangeKind.Delete;
      } else {
        kind = ChangeKind.Add;
        const below = await lowerEntry(lowers, path);
        if (below) {
          if (below.isDirectory() && st.isDirectory() && below.size === st.size && below.mode === st.mode && below.mtimeMs === st.mtimeMs) {
            skip = true;
          }
          kind = ChangeKind.Modify;
        }
      }
      if (!skip) {
        if (st.isDirectory()) changedDirs.add(path);
        if (kind !== ChangeKind.Modify) {
          const parent = posix.dirname(path);
          if (parent !== '/' && !changedDirs.has(parent)) {
            changes.push({ Path: parent, Kind: ChangeKind.Modify });
            changedDirs.add(parent);
          }
        }
        changes.push({ Path: path, Kind: kind });
      }
      if (st.isDirectory()) await walk(posix.join(rel, name));
    }
  };
  await walk('');
  return changes;
}
