/**
 * Reading a build context tar. Small contexts stay in memory until a step needs their files
 * on disk (a rebuild whose steps all hit the cache never writes them); large ones are
 * unpacked as they stream in.
 *
 * Unpacking is safe by ordering: directories and files first (no symlink exists yet, so no
 * parent can lead outside), hard links to files already written, symlinks last, each
 * created only where every parent is a real directory. Names climbing above the root are
 * rejected. Ownership, xattrs and special files are dropped: COPY does not use them.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants as fsc, createWriteStream, fchmodSync, futimesSync, openSync, writeSync } from 'node:fs';
import { chmod, link, lstat, mkdir, symlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { decompress } from '../../archive/decompress.js';
import { parseTar, type TarHeader } from '../../archive/tar-parse.js';
import { cleanEntryName } from '../../archive/safe-path.js';
import type { FilePool } from './file-pool.js';

/** Contexts up to this size are kept in memory. */
export const MEMORY_LIMIT = 256 << 20;
const SMALL = 1 << 20;
const UMASK = process.umask();

export interface ContextEntry {
  /** Cleaned path components. */
  comps: string[];
  type: 'directory' | 'file' | 'symlink' | 'link';
  mode: number;
  mtime: Date;
  linkname: string;
  data?: Buffer;
  /** sha256 hex of a file's content. */
  digest?: string;
}

async function parentsAreDirs(root: string, comps: string[]): Promise<boolean> {
  let p = root;
  for (const c of comps.slice(0, -1)) {
    p = join(p, c);
    const st = await lstat(p).catch(() => undefined);
    if (!st?.isDirectory()) return false;
  }
  return true;
}

/** Writes entries under `root` in the safe order described above. */
export class DiskWriter {
  private readonly made = new Set<string>();
  private readonly dirTimes: { path: string; mode: number; mtime: Date }[] = [];
  private readonly symlinks: ContextEntry[] = [];
  private readonly links: ContextEntry[] = [];
  /** Content digests by host path. */
  readonly digests = new Map<string, string>();

  /** With a pool, files held in memory are placed as links to pooled inodes (file-pool.ts). */
  constructor(
    private readonly root: string,
    private readonly pool?: FilePool,
  ) {}

  private async ensureDir(comps: string[]): Promise<void> {
    const key = comps.join('/');
    if (comps.length === 0 || this.made.has(key)) return;
    await mkdir(join(this.root, ...comps), { recursive: true, mode: 0o755 });
    for (let i = 1; i <= comps.length; i++) this.made.add(comps.slice(0, i).join('/'));
  }

  /** Adds one entry; a file's bytes come as `data` or, for big files, as a stream. */
  async add(e: ContextEntry, body?: AsyncIterable<Buffer>): Promise<void> {
    const path = join(this.root, ...e.comps);
    if (e.type === 'directory') {
      await this.ensureDir(e.comps);
      this.dirTimes.push({ path, mode: e.mode, mtime: e.mtime });
    } else if (e.type === 'symlink') this.symlinks.push(e);
    else if (e.type === 'link') this.links.push(e);
    else {
      await this.ensureDir(e.comps.slice(0, -1));
      if (e.digest) this.digests.set(path, e.digest);
      if (!e.data) {
        // 'wx': a name given twice is a hostile or broken context, never overwrite through it.
        await pipeline(body ?? [], createWriteStream(path, { flags: 'wx', mode: 0o600 }));
        await chmod(path, e.mode);
        await utimes(path, e.mtime, e.mtime);
        return;
      }
      if (this.pool && e.digest && this.pool.place(path, e.data, e.digest, e.mode, e.mtime)) return;
      // Small files, which contexts are mostly made of, are written with synchronous calls
      // on one descriptor: a thread-pool round trip per call costs more than the calls.
      // O_EXCL: a name given twice is a hostile or broken context, never overwrite through it.
      const fd = openSync(path, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, e.mode);
      try {
        for (let off = 0; off < e.data.length; ) off += writeSync(fd, e.data, off, e.data.length - off);
        // The umask may have taken bits off; only then is a chmod needed.
        if ((e.mode & ~UMASK) !== e.mode) fchmodSync(fd, e.mode);
        futimesSync(fd, e.mtime, e.mtime);
      } finally {
        closeSync(fd);
      }
    }
  }

  async finish(): Promise<void> {
    for (const l of this.links) {
      await this.ensureDir(l.comps.slice(0, -1));
      const target = join(this.root, ...cleanEntryName(l.linkname));
      const st = await lstat(target).catch(() => undefined);
      if (!st?.isFile()) continue;
      const path = join(this.root, ...l.comps);
      await link(target, path);
      const d = this.digests.get(target);
      if (d) this.digests.set(path, d);
    }
    // Every parent first, while no symlink exists that mkdir could follow out of the root.
    for (const s of this.symlinks) await this.ensureDir(s.comps.slice(0, -1));
    for (const s of this.symlinks) {
      if (!(await parentsAreDirs(this.root, s.comps))) continue;
      await symlink(s.linkname, join(this.root, ...s.comps)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
    }
    // Directory modes and times last: writing files into them would change the times.
    for (const d of this.dirTimes.reverse()) {
      await chmod(d.path, d.mode);
      await utimes(d.path, d.mtime, d.mtime);
    }
  }
}

function entryOf(h: TarHeader): ContextEntry | undefined {
  const comps = cleanEntryName(h.name);
  if (comps.length === 0) return undefined;
  const base = { comps, mode: h.mode & 0o7777, mtime: h.mtime, linkname: h.linkname };
  switch (h.type) {
    case 'directory':
      return { ...base, type: 'directory' };
    case 'file':
    case 'contiguous-file':
      return { ...base, type: 'file' };
    case 'symlink':
      return { ...base, type: 'symlink' };
    case 'link':
      return { ...base, type: 'link' };
    default:
      // Devices, fifos and unknown types have no place in a build context.
      return undefined;
  }
}

export type ReadContext = { inMemory: true; entries: ContextEntry[] } | { inMemory: false; digests: Map<string, string> };

/**
 * Reads a context tar: kept in memory while it stays under `limit` bytes, otherwise
 * everything is written under `root` (which must exist and be empty) as it arrives.
 */
export async function readContext(input: Readable, root: string, limit = MEMORY_LIMIT, pool?: FilePool): Promise<ReadContext> {
  const { stream } = await decompress(input);
  const entries: ContextEntry[] = [];
  let bytes = 0;
  let writer: DiskWriter | undefined;
  for await (const { header, body, data } of parseTar(stream as AsyncIterable<Buffer>)) {
    const e = entryOf(header);
    if (!e || e.type !== 'file') {
      if (!data) for await (const _ of body) void _;
      if (e) {
        if (writer) await writer.add(e);
        else entries.push(e);
      }
      continue;
    }
    if (writer && header.size > SMALL) {
      const h = createHash('sha256');
      const hashing = (async function* () {
        for await (const c of body) {
          h.update(c as Buffer);
          yield c as Buffer;
        }
      })();
      await writer.add(e, hashing);
      writer.digests.set(join(root, ...e.comps), h.digest('hex'));
      continue;
    }
    if (data) e.data = data;
    else {
      const chunks: Buffer[] = [];
      for await (const c of body) chunks.push(c as Buffer);
      e.data = Buffer.concat(chunks);
    }
    e.digest = createHash('sha256').update(e.data).digest('hex');
    bytes += e.data.length;
    if (writer) {
      await writer.add(e);
      continue;
    }
    entries.push(e);
    if (bytes > limit) {
      // Too big to hold: from here on, straight to disk.
      writer = new DiskWriter(root, pool);
      for (const p of entries.splice(0)) await writer.add(p);
    }
  }
  if (!writer) return { inMemory: true, entries };
  await writer.finish();
  return { inMemory: false, digests: writer.digests };
}

/** Writes in-memory entries under `root`; returns the file digests by host path. */
export async function materialize(entries: ContextEntry[], root: string, pool?: FilePool): Promise<Map<string, string>> {
  const w = new DiskWriter(root, pool);
  for (const e of entries) await w.add(e);
  await w.finish();
  return w.digests;
}

/** Unpacks a tar under `root` (tests and callers that want files on disk at once). */
export async function extractContext(input: Readable, root: string): Promise<Map<string, string>> {
  const r = await readContext(input, root, 0);
  return r.inMemory ? materialize(r.entries, root) : r.digests;
}
