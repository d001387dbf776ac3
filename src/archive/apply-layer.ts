import { execFile } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  constants as fsc,
  fchmodSync,
  fchownSync,
  futimesSync,
  lchownSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  symlinkSync,
  writeSync,
} from 'node:fs';
import { lchown, link, lstat, lutimes, open, readdir, rm } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { internal, invalidParameter } from '../common/errors.js';
import type { Compression } from './decompress.js';
import { entrySize, readTar, type TarHeader } from './tar-read.js';
import { cleanEntryName, resolveDirInRoot, resolveDirTraced } from './safe-path.js';
import { setXattrs } from './xattr.js';

const run = promisify(execFile);

export const WHITEOUT_PREFIX = '.wh.';
export const WHITEOUT_META_PREFIX = '.wh..wh.';
export const WHITEOUT_OPAQUE = '.wh..wh..opq';
export const OVERLAY_OPAQUE_XATTR = 'trusted.overlay.opaque';

export interface ApplyOptions {
  /**
   * "overlay": `dir` is a fresh overlayfs lower dir holding only this layer; deletions become
   * overlay whiteouts (char device 0:0) and opaque dirs get trusted.overlay.opaque=y.
   * "direct": `dir` is a whole filesystem; deletions and opaque dirs are carried out.
   * "none": `.wh.` names are ordinary files (plain extraction, e.g. `docker cp`).
   */
  whiteouts: 'overlay' | 'direct' | 'none';
  /** Skip chown (keep the extracting user's ownership). */
  noChown?: boolean;
}

export interface ApplyResult {
  /** sha256 of the uncompressed tar: the layer's diffID. */
  diffId: string;
  /** Bytes of the uncompressed tar. */
  tarSize: number;
  /** The layer's size as dockerd counts it (see entrySize). */
  contentSize: number;
  compression: Compression;
  /** xattrs that could not be set (e.g. unsupported by the filesystem). */
  warnings: string[];
  /** Overlay mode: the dirs marked opaque, as "/a/b" paths inside `dir`. */
  opaqueDirs: string[];
}

/** Creates `path` with O_EXCL (never through a planted symlink) and writes the entry body. */
async function writeNew(path: string, body: AsyncIterable<Buffer>): Promise<void> {
  const fh = await open(path, 'wx', 0o600);
  try {
    for await (const chunk of body) await fh.write(chunk);
  } finally {
    await fh.close();
  }
}

/** Bodies up to this size are gathered and written in one go (see writeSmallFile). */
const SMALL_FILE = 1 << 20;

async function collect(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of body) parts.push(c);
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

function isExists(err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === 'EEXIST';
}

interface DeferredDir {
  path: string;
  mtime: Date;
}

/**
 * Streams a layer tar (compression auto-detected) into `dir`, computing its diffID on the
 * way. Hostile entries never write outside `dir`: names are cleaned and may not climb
 * above it, parents are resolved with `dir` as their root (symlinks cannot lead out),
 * hard links must point inside, and every leaf is created fresh (never written through an
 * existing symlink). Ownership, permission and special bits, mtimes, xattrs, devices and
 * fifos are kept. On error the caller discards `dir` (the snapshotter unpacks into a temp dir).
 */
export async function applyLayer(dir: string, input: Readable, opts: ApplyOptions): Promise<ApplyResult> {
  const state = new ApplyState(dir, opts);
  const r = await readTar(input, (h, body) => state.entry(h, body));
  await state.finish();
  const opaqueDirs = [...state.opaque].map((d) => '/' + relative(dir, d).split(sep).join('/'));
  return { ...r, contentSize: state.contentSize, warnings: state.warnings, opaqueDirs };
}

class ApplyState {
  contentSize = 0;
  readonly warnings: string[] = [];
  private readonly dirs: DeferredDir[] = [];
  private readonly written = new Set<string>();
  readonly opaque = new Set<string>();
  private readonly xattrs: Array<{ path: string; name: string; value: Buffer }> = [];

  /** Resolved parent dirs by entry path, with what each resolution looked at. */
  private readonly parents = new Map<string, { path: string; traversed: string[] }>();
  /** New nodes belong to the extracting user; for root, 0:0 entries need no chown. */
  private readonly asRoot = process.getuid?.() === 0 && process.getgid?.() === 0;

  constructor(
    private readonly root: string,
    private readonly opts: ApplyOptions,
  ) {}

  private needsChown(h: TarHeader): boolean {
    if (this.opts.noChown) return false;
    return !(this.asRoot && (h.uid ?? 0) === 0 && (h.gid ?? 0) === 0);
  }

  private async parentDir(comps: string[]): Promise<string> {
    const key = comps.join('/');
    let hit = this.parents.get(key);
    if (!hit) {
      hit = await resolveDirTraced(this.root, comps, true);
      this.parents.set(key, hit);
    }
    return hit.path;
  }

  /** Removes what is at `path` and forgets every cached resolution that went through it. */
  private async remove(path: string): Promise<void> {
    await rm(path, { recursive: true, force: true });
    for (const [k, v] of this.parents) {
      if (v.traversed.some((t) => t === path || t.startsWith(`${path}/`))) this.parents.delete(k);
    }
  }

  async entry(h: TarHeader, body: AsyncIterable<Buffer>): Promise<void> {
    const comps = cleanEntryName(h.name);
    if (comps.length === 0) return; // the root itself: keep the target's own attributes
    const base = comps[comps.length - 1];
    // aufs metadata (.wh..wh.plnk etc.) is not content.
    if (this.opts.whiteouts !== 'none' && comps.some((c) => c.startsWith(WHITEOUT_META_PREFIX) && c !== WHITEOUT_OPAQUE)) return;
    const parent = await this.parentDir(comps.slice(0, -1));
    if (base === WHITEOUT_OPAQUE && this.opts.whiteouts !== 'none') {
      if (this.opts.whiteouts === 'overlay') this.opaque.add(parent);
      else await this.clearOpaque(parent);
      return;
    }
    if (base.startsWith(WHITEOUT_PREFIX) && this.opts.whiteouts !== 'none') {
      const victim = base.slice(WHITEOUT_PREFIX.length);
      // ".wh.." would name the parent's parent: possibly outside the target.
      if (victim === '' || victim === '.' || victim === '..') throw invalidParameter(`invalid whiteout entry ${JSON.stringify(h.name)}`);
      await this.whiteout(join(parent, victim), h);
      return;
    }
    const path = join(parent, base);
    this.written.add(path);
    this.contentSize += entrySize(h);
    for (let p = parent; p.length > this.root.length && !this.written.has(p); p = dirname(p)) this.written.add(p);
    // Nodes are created without looking first (a fresh layer dir is empty); only when
    // something is already there (EEXIST) is it removed and the creation retried.
    switch (h.type) {
      case 'directory':
        await this.makeDir(path);
        break;
      case 'file':
      case 'contiguous-file':
        if (h.size <= SMALL_FILE) {
          const data = await collect(body);
          await this.replacing(path, async () => this.writeSmallFile(path, data, h));
          return;
        }
        await this.replacing(path, () => writeNew(path, body));
        break;
      case 'symlink':
        await this.replacing(path, async () => symlinkSync(h.linkname ?? '', path));
        break;
      case 'link': {
        const target = cleanEntryName(h.linkname ?? '');
        if (target.length === 0) throw invalidParameter(`invalid hard link ${JSON.stringify(h.name)}: empty or root target`);
        const tparent = await resolveDirInRoot(this.root, target.slice(0, -1), false).catch(() => {
          throw invalidParameter(`invalid hard link ${JSON.stringify(h.name)} -> ${JSON.stringify(h.linkname)}: target not found`);
        });
        const tpath = join(tparent, target[target.length - 1]);
        const tst = await lstat(tpath).catch(() => undefined);
        if (!tst || tst.isDirectory()) throw invalidParameter(`invalid hard link ${JSON.stringify(h.name)} -> ${JSON.stringify(h.linkname)}: target not found`);
        if (tpath === path) return; // a link to itself: the node is already there
        await this.replacing(path, () => link(tpath, path));
        return; // a hard link shares the target's inode: its attributes are the target's
      }
      case 'character-device':
      case 'block-device':
        await this.replacing(path, () => run('mknod', ['-m', '0600', '--', path, h.type === 'block-device' ? 'b' : 'c', String(h.devmajor ?? 0), String(h.devminor ?? 0)]));
        break;
      case 'fifo':
        await this.replacing(path, () => run('mknod', ['-m', '0600', '--', path, 'p']));
        break;
      default:
        this.written.delete(path);
        return; // unknown entry types are skipped, as Docker does
    }
    await this.attributes(path, h);
  }

  /** Runs `create`; if a node is in the way (EEXIST), removes it and creates again. */
  private async replacing(path: string, create: () => Promise<unknown>): Promise<void> {
    try {
      await create();
    } catch (err) {
      if (!isExists(err)) throw err;
      await this.remove(path);
      await create();
    }
  }

  /** A directory entry merges with a directory already there and replaces anything else. */
  private async makeDir(path: string): Promise<void> {
    try {
      mkdirSync(path, 0o700);
    } catch (err) {
      if (!isExists(err)) throw err;
      if (lstatSync(path).isDirectory()) return;
      await this.remove(path);
      mkdirSync(path, 0o700);
    }
  }

  /**
   * Small files, which layers mostly hold, are written with synchronous calls on one
   * descriptor: a thread-pool round trip per call would cost more than the calls.
   * O_EXCL|O_NOFOLLOW: never through a symlink planted at `path`.
   */
  private writeSmallFile(path: string, data: Buffer, h: TarHeader): void {
    const fd = openSync(path, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o600);
    try {
      for (let off = 0; off < data.length; ) off += writeSync(fd, data, off, data.length - off);
      if (this.needsChown(h)) fchownSync(fd, h.uid ?? 0, h.gid ?? 0);
      // chmod after chown: chown clears setuid/setgid.
      fchmodSync(fd, (h.mode ?? 0o644) & 0o7777);
      const mtime = h.mtime ?? new Date(0);
      futimesSync(fd, mtime, mtime);
    } finally {
      closeSync(fd);
    }
    this.keepXattrs(path, h);
  }

  private keepXattrs(path: string, h: TarHeader): void {
    for (const [name, value] of h.xattrs) {
      // A layer may not forge overlayfs' own metadata (redirects, origins, opaque flags).
      if (name.startsWith('trusted.overlay.')) continue;
      this.xattrs.push({ path, name, value });
    }
  }

  private async attributes(path: string, h: TarHeader): Promise<void> {
    const isLink = h.type === 'symlink';
    if (this.needsChown(h)) lchownSync(path, h.uid ?? 0, h.gid ?? 0);
    // chmod after chown: chown clears setuid/setgid.
    if (!isLink) chmodSync(path, (h.mode ?? 0o644) & 0o7777);
    this.keepXattrs(path, h);
    const mtime = h.mtime ?? new Date(0);
    if (h.type === 'directory') this.dirs.push({ path, mtime });
    else lutimesSync(path, mtime, mtime);
  }

  private async whiteout(path: string, h: TarHeader): Promise<void> {
    await this.remove(path);
    if (this.opts.whiteouts === 'direct') return;
    await run('mknod', ['-m', '0000', '--', path, 'c', '0', '0']);
    if (this.needsChown(h)) await lchown(path, h.uid ?? 0, h.gid ?? 0);
  }

  /** Direct mode: an opaque dir keeps only what this layer wrote so far (as Docker does). */
  private async clearOpaque(dir: string): Promise<void> {
    for (const name of await readdir(dir)) {
      const p = join(dir, name);
      if (!this.written.has(p)) await this.remove(p);
      else if ((await lstat(p)).isDirectory()) await this.clearOpaque(p);
    }
  }

  async finish(): Promise<void> {
    for (const f of await setXattrs(this.xattrs)) this.warnings.push(`xattr ${f.name} on ${f.path}: ${f.error}`);
    // Opaque markers are the layer's meaning, not decoration: failing to set one fails the layer.
    const opaque = [...this.opaque].map((path) => ({ path, name: OVERLAY_OPAQUE_XATTR, value: Buffer.from('y') }));
    const failed = await setXattrs(opaque);
    if (failed.length) throw internal(`marking ${failed[0].path} opaque: ${failed[0].error}`);
    // Directory times last: creating children moved them.
    for (let i = this.dirs.length - 1; i >= 0; i--) {
      await lutimes(this.dirs[i].path, this.dirs[i].mtime, this.dirs[i].mtime);
    }
  }
}
