import { open, lstat, readdir, readlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { pack, type Pack } from 'tar-stream';
import { OVERLAY_OPAQUE_XATTR, WHITEOUT_OPAQUE, WHITEOUT_PREFIX } from './apply-layer.js';
import { byteOrder, isWhiteout } from './overlay-changes.js';
import { listXattrsRecursive } from './xattr.js';

export interface TarDirOptions {
  /** Convert overlayfs markers (whiteout devices, opaque xattrs) into OCI whiteout entries. */
  overlay: boolean;
  /** Carry xattrs as PAX SCHILY.xattr.* (overlayfs' own trusted.overlay.* never). */
  xattrs: boolean;
}

type Sink = ReturnType<Pack['entry']>;

function waitDrain(s: Sink): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      s.off('drain', done);
      s.off('close', done);
      resolve();
    };
    s.once('drain', done);
    s.once('close', done);
  });
}

export function addEntry(p: Pack, header: Parameters<Pack['entry']>[0], body?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    if (body) p.entry(header, body, (err) => (err ? reject(err) : resolve()));
    else p.entry(header, (err) => (err ? reject(err) : resolve()));
  });
}

/** Streams exactly `size` bytes of a file (zero-padded if it shrank meanwhile). */
async function addFile(p: Pack, header: Parameters<Pack['entry']>[0], path: string, size: number): Promise<void> {
  let sink!: Sink;
  const sinkDone = new Promise<void>((resolve, reject) => {
    sink = p.entry(header, (err) => (err ? reject(err) : resolve()));
  });
  const fh = await open(path, 'r');
  try {
    let left = size;
    const buf = Buffer.alloc(Math.min(size, 1 << 20) || 1);
    while (left > 0) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, left), null);
      const chunk = bytesRead > 0 ? Buffer.from(buf.subarray(0, bytesRead)) : Buffer.alloc(Math.min(left, buf.length));
      left -= chunk.length;
      if (!sink.write(chunk)) await waitDrain(sink);
    }
  } finally {
    await fh.close();
  }
  sink.end(undefined as never);
  await sinkDone;
}

/** Adds an entry whose body comes from a stream; the stream must yield exactly `header.size` bytes. */
export async function addStreamEntry(p: Pack, header: Parameters<Pack['entry']>[0], body: AsyncIterable<Buffer>): Promise<void> {
  let sink!: Sink;
  const sinkDone = new Promise<void>((resolve, reject) => {
    sink = p.entry(header, (err) => (err ? reject(err) : resolve()));
  });
  for await (const chunk of body) if (!sink.write(chunk)) await waitDrain(sink);
  sink.end(undefined as never);
  await sinkDone;
}

function devNumbers(rdev: number): { devmajor: number; devminor: number } {
  const major = Number((BigInt(rdev) >> 8n) & 0xfffn) | Number((BigInt(rdev) >> 32n) & ~0xfffn);
  const minor = Number(BigInt(rdev) & 0xffn) | Number((BigInt(rdev) >> 12n) & ~0xffn);
  return { devmajor: major, devminor: minor };
}

/**
 * A tar of the tree under `dir` (names relative, no leading "/"), in name order, with
 * ownership, modes, mtimes, hard links (by inode), devices and fifos. Sockets are skipped.
 */
export function tarDirectory(dir: string, opts: TarDirOptions): Readable {
  const p = pack();
  const run = async (): Promise<void> => {
    const xattrs = opts.xattrs || opts.overlay ? await listXattrsRecursive(dir) : new Map<string, Map<string, Buffer>>();
    const inodes = new Map<string, string>();
    const walk = async (rel: string): Promise<void> => {
      const names = (await readdir(join(dir, rel))).sort(byteOrder);
      for (const name of names) {
        const relPath = rel ? `${rel}/${name}` : name;
        const full = join(dir, relPath);
        const st = await lstat(full).catch(() => undefined);
        if (!st || st.isSocket()) continue;
        const base = { uid: st.uid, gid: st.gid, mtime: st.mtime, mode: st.mode & 0o7777 };
        if (opts.overlay && isWhiteout(st)) {
          await addEntry(p, { ...base, name: posix.join(rel, WHITEOUT_PREFIX + name), type: 'file', size: 0, mode: 0o600 }, Buffer.alloc(0));
          continue;
        }
        const pax: Record<string, string> = {};
        let opaque = false;
        for (const [k, v] of xattrs.get(full) ?? []) {
          if (k === OVERLAY_OPAQUE_XATTR && v.toString() === 'y') opaque = true;
          if (!opts.xattrs || k.startsWith('trusted.overlay.')) continue;
          pax[`SCHILY.xattr.${k}`] = v.toString('utf8');
        }
        const h = { ...base, name: relPath, ...(Object.keys(pax).length ? { pax } : {}) };
        if (st.isDirectory()) {
          await addEntry(p, { ...h, name: `${relPath}/`, type: 'directory' });
          if (opts.overlay && opaque) {
            await addEntry(p, { ...base, name: posix.join(relPath, WHITEOUT_OPAQUE), type: 'file', size: 0, mode: 0o600 & base.mode }, Buffer.alloc(0));
          }
          await walk(relPath);
        } else if (st.isSymbolicLink()) {
          await addEntry(p, { ...h, type: 'symlink', linkname: await readlink(full) });
        } else if (st.nlink > 1 && !st.isDirectory() && inodes.has(`${st.dev}:${st.ino}`)) {
          await addEntry(p, { ...h, type: 'link', linkname: inodes.get(`${st.dev}:${st.ino}`) });
        } else {
          if (st.nlink > 1) inodes.set(`${st.dev}:${st.ino}`, relPath);
          await addSpecialOrFile(p, h, full, st);
        }
      }
    };
    await walk('');
    p.finalize();
  };
  run().catch((err: Error) => p.destroy(err));
  return Readable.from(p as unknown as AsyncIterable<Buffer>, { objectMode: false });
}

async function addSpecialOrFile(p: Pack, h: Parameters<Pack['entry']>[0], full: string, st: Stats): Promise<void> {
  if (st.isCharacterDevice() || st.isBlockDevice()) {
    await addEntry(p, { ...h, type: st.isCharacterDevice() ? 'character-device' : 'block-device', ...devNumbers(st.rdev) });
  } else if (st.isFIFO()) {
    await addEntry(p, { ...h, type: 'fifo' });
  } else if (st.isFile()) {
    await addFile(p, { ...h, type: 'file', size: st.size }, full, st.size);
  }
}
