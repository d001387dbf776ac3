/**
 * Writes a COPY layer's entries straight into a layer directory, the same tree unpacking
 * the layer's tar would give. Files whose owner, mode and time already match their source
 * in the build's private context copy become hard links to it: creating inodes is what
 * costs most here, and a layer directory is never written to again (containers change
 * files in their own upper directory; a copy-up makes a new inode there).
 */
import {
  chmodSync,
  closeSync,
  constants as fsc,
  copyFileSync,
  fchmodSync,
  fchownSync,
  futimesSync,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { CopyEntry } from './copy-plan.js';

const asRoot = process.getuid?.() === 0;

function exists(err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === 'EEXIST';
}

/** The host path of an entry; entry paths come from the copy plan (clean, relative). */
function hostPath(root: string, path: string): string {
  const comps = path.split('/').filter((c) => c !== '' && c !== '.');
  if (comps.length === 0 || comps.includes('..')) throw new Error(`invalid layer path ${JSON.stringify(path)}`);
  return join(root, ...comps);
}

/** Creates with `make`; a node already there (a later source with the same name) is replaced. */
function replacing(path: string, make: () => void): void {
  try {
    make();
  } catch (err) {
    if (!exists(err)) throw err;
    rmSync(path, { recursive: true, force: true });
    make();
  }
}

/** Times as the layer's tar records them: whole seconds. */
function tarTime(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 1000) * 1000);
}

function writeFileEntry(path: string, e: CopyEntry): void {
  if (e.linkable && e.source) {
    try {
      replacing(path, () => linkSync(e.source!, path));
      return;
    } catch (err) {
      // Another filesystem, or links not allowed there: copy instead.
      if (!['EXDEV', 'EPERM', 'EMLINK'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
    }
  }
  if (!e.data && e.source && e.size > 1 << 20) {
    replacing(path, () => copyFileSync(e.source!, path, fsc.COPYFILE_EXCL));
    if (asRoot) lchownSync(path, e.uid, e.gid);
    chmodSync(path, e.mode);
    utimesSync(path, tarTime(e.mtime), tarTime(e.mtime));
    return;
  }
  const data = e.data ?? readFileSync(e.source!);
  let fd = -1;
  replacing(path, () => {
    fd = openSync(path, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o600);
  });
  try {
    for (let off = 0; off < data.length; ) off += writeSync(fd, data, off, data.length - off);
    if (asRoot) fchownSync(fd, e.uid, e.gid);
    fchmodSync(fd, e.mode);
    futimesSync(fd, tarTime(e.mtime), tarTime(e.mtime));
  } finally {
    closeSync(fd);
  }
}

/** Writes `entries` (parents before children) under `root`; returns the layer's content size. */
export function writeLayerDir(root: string, entries: CopyEntry[]): number {
  const dirs: CopyEntry[] = [];
  let size = 0;
  for (const e of entries) {
    const path = hostPath(root, e.path);
    if (e.type === 'directory') {
      try {
        mkdirSync(path, 0o700);
      } catch (err) {
        if (!exists(err)) throw err;
        if (!lstatSync(path).isDirectory()) {
          rmSync(path, { force: true });
          mkdirSync(path, 0o700);
        }
      }
      if (asRoot) lchownSync(path, e.uid, e.gid);
      chmodSync(path, e.mode);
      dirs.push(e);
    } else if (e.type === 'symlink') {
      replacing(path, () => symlinkSync(e.linkname ?? '', path));
      if (asRoot) lchownSync(path, e.uid, e.gid);
      lutimesSync(path, tarTime(e.mtime), tarTime(e.mtime));
      size += Buffer.byteLength(e.linkname ?? '');
    } else {
      writeFileEntry(path, e);
      size += e.size;
    }
  }
  // Directory times last: creating their children moved them.
  for (let i = dirs.length - 1; i >= 0; i--) utimesSync(hostPath(root, dirs[i].path), tarTime(dirs[i].mtime), tarTime(dirs[i].mtime));
  return size;
}
