/**
 * Fast, safe unpacking of a build context into a fresh private directory. Contexts hold
 * thousands of small files and are unpacked on every build, so this skips what a layer
 * unpack needs (ownership, xattrs, whiteouts, devices) and stays safe by ordering:
 * directories and files first (no symlink exists yet, so no parent can lead outside),
 * hard links to files already written, and symlinks last, each created only where every
 * parent is a real directory. Names climbing above the root are rejected.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, link, lstat, mkdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { decompress } from '../../archive/decompress.js';
import { parseTar } from '../../archive/tar-parse.js';
import { cleanEntryName } from '../../archive/safe-path.js';

const SMALL = 1 << 20;
const UMASK = process.umask();

/** At most `limit` tasks in flight; the first failure is rethrown by add/drain. */
class TaskPool {
  private readonly running = new Set<Promise<void>>();
  private failure: unknown;
  constructor(private readonly limit: number) {}

  async add(task: () => Promise<void>): Promise<void> {
    if (this.failure) throw this.failure;
    while (this.running.size >= this.limit) await Promise.race(this.running);
    const p: Promise<void> = task()
      .catch((err: unknown) => {
        this.failure ??= err;
      })
      .finally(() => this.running.delete(p));
    this.running.add(p);
  }

  async drain(): Promise<void> {
    await Promise.all(this.running);
    if (this.failure) throw this.failure;
  }
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

/**
 * Unpacks `input` into `root`; returns the sha256 (hex) of every regular file's content by
 * its host path, computed on the way so that cache checks need not read the files again.
 */
export async function extractContext(input: Readable, root: string): Promise<Map<string, string>> {
  const digests = new Map<string, string>();
  const { stream } = await decompress(input);
  const writes = new TaskPool(32);
  const made = new Set<string>();
  const ensureDir = async (comps: string[]) => {
    const key = comps.join('/');
    if (comps.length === 0 || made.has(key)) return;
    await mkdir(join(root, ...comps), { recursive: true, mode: 0o755 });
    for (let i = 1; i <= comps.length; i++) made.add(comps.slice(0, i).join('/'));
  };
  const dirTimes: { path: string; mode: number; mtime: Date }[] = [];
  const symlinks: { comps: string[]; target: string }[] = [];
  const links: { comps: string[]; target: string[] }[] = [];
  for await (const { header, body } of parseTar(stream as AsyncIterable<Buffer>)) {
    const comps = cleanEntryName(header.name);
    const drain = async () => {
      for await (const _ of body) void _;
    };
    if (comps.length === 0) {
      await drain();
      continue;
    }
    const path = join(root, ...comps);
    switch (header.type) {
      case 'directory':
        await ensureDir(comps);
        dirTimes.push({ path, mode: header.mode & 0o7777, mtime: header.mtime });
        await drain();
        break;
      case 'file':
      case 'contiguous-file': {
        await ensureDir(comps.slice(0, -1));
        const mode = header.mode & 0o7777;
        const mtime = header.mtime;
        if (header.size > SMALL) {
          await writes.drain();
          // 'wx': a name given twice is a hostile or broken context, never overwrite through it.
          await pipeline(body as AsyncIterable<Buffer>, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
          await chmod(path, mode);
          await utimes(path, mtime, mtime);
          break;
        }
        const chunks: Buffer[] = [];
        for await (const c of body) chunks.push(c as Buffer);
        const data = Buffer.concat(chunks);
        digests.set(path, createHash('sha256').update(data).digest('hex'));
        // Small files are written concurrently: contexts are thousands of them.
        await writes.add(async () => {
          await writeFile(path, data, { flag: 'wx', mode });
          // The umask may have taken bits off; only then is a chmod needed.
          if ((mode & ~UMASK) !== mode) await chmod(path, mode);
          await utimes(path, mtime, mtime);
        });
        break;
      }
      case 'symlink':
        symlinks.push({ comps, target: header.linkname });
        await drain();
        break;
      case 'link':
        links.push({ comps, target: cleanEntryName(header.linkname) });
        await drain();
        break;
      default:
        // Devices, fifos and unknown types have no place in a build context.
        await drain();
    }
  }
  await writes.drain();
  for (const l of links) {
    await ensureDir(l.comps.slice(0, -1));
    const target = join(root, ...l.target);
    const st = await lstat(target).catch(() => undefined);
    if (st?.isFile()) {
      const path = join(root, ...l.comps);
      await link(target, path);
      const d = digests.get(target);
      if (d) digests.set(path, d);
    }
  }
  // Every parent first, while no symlink exists that mkdir could follow out of the root.
  for (const s of symlinks) await ensureDir(s.comps.slice(0, -1));
  for (const s of symlinks) {
    if (!(await parentsAreDirs(root, s.comps))) continue;
    await symlink(s.target, join(root, ...s.comps)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
  }
  // Directory modes and times last: writing files into them would change the times.
  for (const d of dirTimes.reverse()) {
    await chmod(d.path, d.mode);
    await utimes(d.path, d.mtime, d.mtime);
  }
  return digests;
}
