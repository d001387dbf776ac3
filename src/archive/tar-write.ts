import { open, lstat, readdir, readlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { OVERLAY_OPAQUE_XATTR, WHITEOUT_OPAQUE, WHITEOUT_PREFIX } from './apply-layer.js';
import { byteOrder, isWhiteout } from './overlay-changes.js';
import { TAR_END, tarHeader, tarPadding, type TarEntryHeader } from './tar-format.js';
import { listXattrsRecursive } from './xattr.js';

export interface TarDirOptions {
  /** Convert overlayfs markers (whiteout devices, opaque xattrs) into OCI whiteout entries. */
  overlay: boolean;
  /** Carry xattrs as PAX SCHILY.xattr.* (overlayfs' own trusted.overlay.* never). */
  xattrs: boolean;
}

/** Exactly `size` bytes of a file (zero-padded if it shrank meanwhile, cut if it grew). */
async function* fileBytes(path: string, size: number): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r');
  try {
    let left = size;
    while (left > 0) {
      const buf = Buffer.alloc(Math.min(left, 1 << 20));
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      const chunk = bytesRead > 0 ? buf.subarray(0, bytesRead) : buf;
      left -= chunk.length;
      yield chunk;
    }
  } finally {
    await fh.close();
  }
}

/** One complete entry: header, data and padding. */
export async function* tarEntry(h: TarEntryHeader, body?: AsyncIterable<Buffer> | Buffer): AsyncGenerator<Buffer> {
  yield tarHeader(h);
  if (h.type !== 'file') return;
  const size = h.size ?? 0;
  let n = 0;
  if (Buffer.isBuffer(body)) {
    yield body;
    n = body.length;
  } else if (body) {
    for await (const c of body) {
      n += c.length;
      yield c;
    }
  }
  if (n !== size) throw new Error(`tar entry ${h.name}: wrote ${n} bytes, header says ${size}`);
  yield tarPadding(size);
}

export { TAR_END };

function devNumbers(rdev: number): { devmajor: number; devminor: number } {
  const r = BigInt(rdev);
  return {
    devmajor: Number(((r >> 8n) & 0xfffn) | ((r >> 32n) & ~0xfffn)),
    devminor: Number((r & 0xffn) | ((r >> 12n) & ~0xffn)),
  };
}

/**
 * A tar of the tree under `dir` (names relative, no leading "/"), in name order, with
 * ownership, modes, mtimes, hard links (by inode), devices, fifos and xattrs byte for byte.
 * Sockets are skipped.
 */
export function tarDirectory(dir: string, opts: TarDirOptions): Readable {
  async function* generate(): AsyncGenerator<Buffer> {
    const xattrs = opts.xattrs || opts.overlay ? await listXattrsRecursive(dir) : new Map<string, Map<string, Buffer>>();
    const inodes = new Map<string, string>();
    async function* walk(rel: string): AsyncGenerator<Buffer> {
      const names = (await readdir(join(dir, rel))).sort(byteOrder);
      for (const name of names) {
        const relPath = rel ? `${rel}/${name}` : name;
        const full = join(dir, relPath);
        const st = await lstat(full).catch(() => undefined);
        if (!st || st.isSocket()) continue;
        const base = { uid: st.uid, gid: st.gid, mtime: st.mtime, mode: st.mode & 0o7777 };
        if (opts.overlay && isWhiteout(st)) {
          yield* tarEntry({ ...base, name: posix.join(rel, WHITEOUT_PREFIX + name), type: 'file', size: 0, mode: 0o600 });
          continue;
        }
        const kept = new Map<string, Buffer>();
        let opaque = false;
        for (const [k, v] of xattrs.get(full) ?? []) {
          if (k === OVERLAY_OPAQUE_XATTR && v.toString() === 'y') opaque = true;
          if (opts.xattrs && !k.startsWith('trusted.overlay.')) kept.set(k, v);
        }
        const h = { ...base, name: relPath, xattrs: kept };
        if (st.isDirectory()) {
          yield* tarEntry({ ...h, type: 'directory' });
          if (opts.overlay && opaque) {
            yield* tarEntry({ ...base, name: posix.join(relPath, WHITEOUT_OPAQUE), type: 'file', size: 0, mode: 0o600 & base.mode });
          }
          yield* walk(relPath);
        } else if (st.isSymbolicLink()) {
          yield* tarEntry({ ...h, type: 'symlink', linkname: await readlink(full) });
        } else if (st.nlink > 1 && inodes.has(`${st.dev}:${st.ino}`)) {
          yield* tarEntry({ ...h, type: 'link', linkname: inodes.get(`${st.dev}:${st.ino}`) });
        } else {
          if (st.nlink > 1) inodes.set(`${st.dev}:${st.ino}`, relPath);
          yield* special(h, full, st);
        }
      }
    }
    yield* walk('');
    yield TAR_END;
  }
  return Readable.from(generate(), { objectMode: false });
}

async function* special(h: Omit<TarEntryHeader, 'type'>, full: string, st: Stats): AsyncGenerator<Buffer> {
  if (st.isCharacterDevice() || st.isBlockDevice()) {
    yield* tarEntry({ ...h, type: st.isCharacterDevice() ? 'character-device' : 'block-device', ...devNumbers(st.rdev) });
  } else if (st.isFIFO()) {
    yield* tarEntry({ ...h, type: 'fifo' });
  } else if (st.isFile()) {
    yield* tarEntry({ ...h, type: 'file', size: st.size }, fileBytes(full, st.size));
  }
}
