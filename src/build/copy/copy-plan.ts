/**
 * What a COPY/ADD writes: the list of entries (destination path, type, mode, owner, mtime,
 * source) computed from the sources with Docker's rules, the content hash that keys the
 * cache, and the layer tar itself.
 */
import { createHash } from 'node:crypto';
import { createReadStream, lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { lstat, readFile, readdir, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { TAR_END, tarEntry } from '../../archive/tar-write.js';
import { tarHeader, tarPadding } from '../../archive/tar-format.js';
import { resolveInRoot } from '../context/build-context.js';

export interface CopyEntry {
  /** Absolute path in the image, without the leading "/". */
  path: string;
  type: 'file' | 'directory' | 'symlink';
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
  size: number;
  /** Host file to read (files) or the symlink's target text. */
  source?: string;
  linkname?: string;
  /** Inline content (here-documents). */
  data?: Buffer;
  /** `source` already has this entry's owner, mode and (whole-second) time: a layer may link it. */
  linkable?: boolean;
}

/** Whether a source file's own metadata is exactly what the entry records. */
function sameMetadata(st: Stats, e: Pick<CopyEntry, 'uid' | 'gid' | 'mode'>): boolean {
  return st.isFile() && st.uid === e.uid && st.gid === e.gid && (st.mode & 0o7777) === e.mode && st.mtimeMs % 1000 === 0;
}

export class CopyError extends Error {}

const GLOB = /[*?[\\]/;

/** Go's filepath.Match for one "/"-separated path. */
export function globMatch(pattern: string, path: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '\\' && i + 1 < pattern.length) re += '\\' + pattern[++i];
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) return false;
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^')) cls = '^' + cls.slice(1);
      re += `[${cls}]`;
      i = end;
    } else re += ch.replace(/[.+^${}()|\]/]/g, '\\$&');
  }
  return new RegExp(re + '$', 's').test(path);
}

async function walkAll(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(join(root, rel))).sort()) {
    const r = rel ? `${rel}/${name}` : name;
    out.push(r);
    if ((await lstat(join(root, r))).isDirectory()) out.push(...(await walkAll(root, r)));
  }
  return out;
}

export interface SourceInfo {
  /** Context-relative path as matched. */
  rel: string;
  /** Resolved host path (symlinks followed inside the root). */
  host: string;
  isDir: boolean;
}

/** Resolves COPY sources inside `root` (globs expanded); Docker's errors for missing ones. */
export async function resolveSources(root: string, srcs: string[], cmdName: string): Promise<SourceInfo[]> {
  const out: SourceInfo[] = [];
  let all: string[] | undefined;
  for (const src of srcs) {
    const clean = posix.normalize(src.replace(/^\/+/, '')).replace(/\/+$/, '') || '.';
    if (clean === '..' || clean.startsWith('../')) throw new CopyError(`${cmdName} failed: forbidden path outside the build context: ${src} ()`);
    if (GLOB.test(clean)) {
      all ??= await walkAll(root);
      const matches = all.filter((p) => globMatch(clean, p));
      for (const m of matches) {
        const host = await resolveInRoot(root, m);
        out.push({ rel: m, host, isDir: (await stat(host)).isDirectory() });
      }
      continue;
    }
    let host: string;
    try {
      host = await resolveInRoot(root, clean);
      const st = await stat(host);
      out.push({ rel: clean, host, isDir: st.isDirectory() });
    } catch {
      throw new CopyError(`${cmdName} failed: file not found in build context or excluded by .dockerignore: stat ${src}: file does not exist`);
    }
  }
  if (out.length === 0) throw new CopyError(`${cmdName} failed: no source files were specified`);
  return out;
}

export interface Ownership {
  uid: number;
  gid: number;
  /** --chmod for every file and directory copied. */
  mode?: number;
  /** Keep the source's owner (files from an archive ADD unpacks). */
  keep?: boolean;
}

/**
 * Entries for one directory source copied into `dest` (its contents, not the dir itself).
 * Synchronous calls: a context folder is local, and a thread-pool round trip per lstat
 * cost more than the lstat (about 0.1 s for a 2,000-file COPY).
 */
export async function dirEntries(host: string, dest: string, own: Ownership): Promise<CopyEntry[]> {
  const out: CopyEntry[] = [];
  const walk = (dir: string, target: string): void => {
    const names = readdirSync(dir).sort();
    for (const name of names) {
      const h = join(dir, name);
      const p = `${target}/${name}`;
      const st = lstatSync(h);
      const base = { path: p, uid: own.keep ? st.uid : own.uid, gid: own.keep ? st.gid : own.gid, mtime: st.mtime };
      if (st.isDirectory()) {
        out.push({ ...base, type: 'directory', mode: own.mode ?? st.mode & 0o7777, size: 0 });
        walk(h, p);
      } else if (st.isSymbolicLink()) {
        out.push({ ...base, type: 'symlink', mode: 0o777, size: 0, linkname: readlinkSync(h) });
      } else if (st.isFile()) {
        const e: CopyEntry = { ...base, type: 'file', mode: own.mode ?? st.mode & 0o7777, size: st.size, source: h };
        e.linkable = sameMetadata(st, e);
        out.push(e);
      }
    }
  };
  walk(host, dest);
  return out;
}

export async function fileEntry(host: string, dest: string, own: Ownership): Promise<CopyEntry> {
  const st = await stat(host);
  const e: CopyEntry = { path: dest, type: 'file', mode: own.mode ?? st.mode & 0o7777, uid: own.uid, gid: own.gid, mtime: st.mtime, size: st.size, source: host };
  e.linkable = sameMetadata(st, e);
  return e;
}

async function fileDigest(path: string, size: number): Promise<string> {
  const h = createHash('sha256');
  if (size <= 1 << 20) return h.update(await readFile(path)).digest('hex');
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return h.digest('hex');
}

/**
 * Hash of names, types, modes, owners, link targets and file contents (mtimes excluded, as
 * Docker's). `known`: content digests already taken (the context's, by host path).
 */
export async function contentHash(entries: CopyEntry[], known?: Map<string, string>): Promise<string> {
  const lines = await Promise.all(
    entries.map(async (e) => {
      const digest = async (src: string) => known?.get(src) ?? fileDigest(src, e.size);
      const body = e.data ? createHash('sha256').update(e.data).digest('hex') : e.source && e.type === 'file' ? await digest(e.source) : '';
      return `${e.path}\0${e.type}\0${e.mode.toString(8)}\0${e.uid}:${e.gid}\0${e.linkname ?? ''}\0${body}`;
    }),
  );
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

const SMALL_READ = 1 << 20;
const BATCH = 1 << 20;

/** One small entry's blocks, built synchronously (its file read in one call). */
function smallEntryBlocks(e: CopyEntry): Buffer[] {
  const header = tarHeader({ name: e.path, type: e.type, mode: e.mode, uid: e.uid, gid: e.gid, mtime: e.mtime, linkname: e.linkname, size: e.type === 'file' ? e.size : 0 });
  if (e.type !== 'file') return [header];
  const data = e.data ?? readFileSync(e.source!);
  if (data.length !== e.size) throw new Error(`${e.source ?? e.path}: changed while being copied (${e.size} bytes expected, ${data.length} read)`);
  return [header, data, tarPadding(data.length)];
}

/**
 * The entries as a tar stream (entries in the order given; parents must come first).
 * Small entries are gathered into ~1 MiB chunks: a chunk per header and per file would
 * cost more in stream machinery than the bytes themselves.
 */
export function entriesTar(entries: CopyEntry[]): Readable {
  async function* gen(): AsyncGenerator<Buffer> {
    let batch: Buffer[] = [];
    let bytes = 0;
    const take = () => {
      const out = Buffer.concat(batch, bytes);
      batch = [];
      bytes = 0;
      return out;
    };
    for (const e of entries) {
      if (e.type === 'file' && !e.data && e.size > SMALL_READ) {
        if (bytes > 0) yield take();
        const header = { name: e.path, type: e.type, mode: e.mode, uid: e.uid, gid: e.gid, mtime: e.mtime, size: e.size };
        yield* tarEntry(header, createReadStream(e.source!) as AsyncIterable<Buffer>);
        continue;
      }
      for (const b of smallEntryBlocks(e)) {
        batch.push(b);
        bytes += b.length;
      }
      if (bytes >= BATCH) yield take();
    }
    batch.push(TAR_END);
    bytes += TAR_END.length;
    yield take();
  }
  return Readable.from(gen());
}
