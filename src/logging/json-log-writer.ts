import { createReadStream, createWriteStream } from 'node:fs';
import { open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

export interface RotationPolicy {
  /** Rotate once the live file has reached this many bytes; -1 for never. */
  maxSize: number;
  /** Files kept, the live one included; 1 truncates the live file instead of rotating. */
  maxFile: number;
  /** gzip rotated files (`<path>.1.gz`…). */
  compress: boolean;
}

/** The name of the n-th rotated file (1 is the newest). */
export function rotatedName(path: string, n: number, compressed: boolean): string {
  return `${path}.${n}${compressed ? '.gz' : ''}`;
}

/**
 * Appends json-file lines to `<path>`, rotating as dockerd does: before a line is written, a
 * live file already at max-size becomes `<path>.1` (older ones shift up, the oldest beyond
 * max-file is dropped), so a file can pass max-size by one line. With max-file 1 the live
 * file starts over empty.
 */
export class JsonLogWriter {
  private fh?: FileHandle;
  private size = 0;
  private ino = 0n;

  constructor(readonly path: string, private readonly policy: RotationPolicy) {}

  /** Opens the live file, first finishing a rotation a crash cut short. */
  async open(): Promise<void> {
    await this.finishInterruptedRotation();
    await this.openLive();
  }

  /** Bytes in the live file. */
  get liveSize(): number {
    return this.size;
  }

  /** The live file's inode: a different one after a restart means it was rotated since. */
  get liveIno(): bigint {
    return this.ino;
  }

  /**
   * Bytes the live file takes before it is full (Infinity without max-size). A batch that
   * stops at the record crossing this mark is written without a rotation in its middle,
   * so a checkpoint after each batch never falls inside one.
   */
  get room(): number {
    if (this.policy.maxSize <= 0) return Infinity;
    return this.size >= this.policy.maxSize ? this.policy.maxSize : this.policy.maxSize - this.size;
  }

  /**
   * Drops what was written after a checkpoint (a batch cut short by a crash). `ino` is the
   * live file's then: if it has been rotated since, everything in the new one came later.
   */
  async truncateTo(size: number, ino?: bigint): Promise<void> {
    if (ino !== undefined && ino !== this.ino) size = 0;
    if (this.size > size) {
      await this.fh!.truncate(size);
      this.size = size;
    }
  }

  /** Appends records (each one line, "\n" included); rotation only ever happens between records. */
  async append(records: string[]): Promise<void> {
    if (this.policy.maxSize <= 0) return this.write(records);
    let batch: string[] = [];
    let batchBytes = 0;
    for (const r of records) {
      if (this.size + batchBytes >= this.policy.maxSize) {
        await this.write(batch);
        batch = [];
        batchBytes = 0;
        await this.rotate();
      }
      batch.push(r);
      batchBytes += Buffer.byteLength(r);
    }
    await this.write(batch);
  }

  async close(): Promise<void> {
    await this.fh?.close().catch(() => {});
    this.fh = undefined;
  }

  private async write(batch: string[]): Promise<void> {
    if (!batch.length) return;
    const bytes = Buffer.from(batch.join(''));
    try {
      await this.fh!.write(bytes);
    } catch (err) {
      // No torn record left behind for the retry to follow.
      await this.fh!.truncate(this.size).catch(() => {});
      throw err;
    }
    this.size += bytes.length;
  }

  private async rotate(): Promise<void> {
    const { maxFile, compress } = this.policy;
    if (maxFile < 2) {
      // Nothing is kept, but a fresh file renamed over the old one (rather than a truncation
      // in place) lets a follower see the switch: it reads the old one to its end first.
      const fresh = `${this.path}.${randomBytes(4).toString('hex')}.tmp`;
      const fh = await open(fresh, 'a', 0o640);
      await rename(fresh, this.path);
      await this.fh!.close();
      this.fh = fh;
      this.size = 0;
      this.ino = (await fh.stat({ bigint: true })).ino;
      return;
    }
    for (let n = maxFile - 1; n >= 2; n--) {
      await rename(rotatedName(this.path, n - 1, compress), rotatedName(this.path, n, compress)).catch(ignoreMissing);
    }
    // With max-file 2 the old `.1.gz` is dropped now: a plain `.1` beside a `.1.gz` then
    // always means the gzip copy of it is whole (see finishInterruptedRotation).
    if (compress) await rm(rotatedName(this.path, 1, true), { force: true });
    await this.fh!.close();
    await rename(this.path, rotatedName(this.path, 1, false));
    await this.openLive();
    if (compress) await this.compressNewest();
  }

  private async openLive(): Promise<void> {
    this.fh = await open(this.path, 'a', 0o640);
    const st = await this.fh.stat({ bigint: true });
    this.size = Number(st.size);
    this.ino = st.ino;
  }

  /** Readers look for `.1` and `.1.gz`; the plain one goes only once the gzip one is whole. */
  private async compressNewest(): Promise<void> {
    const plain = rotatedName(this.path, 1, false);
    const gz = rotatedName(this.path, 1, true);
    // Streamed: a max-size of 100m must not cost 100 MiB of daemon memory.
    await pipeline(createReadStream(plain), createGzip(), createWriteStream(`${gz}.tmp`, { mode: 0o640 }));
    await rename(`${gz}.tmp`, gz);
    await rm(plain, { force: true });
  }

  /**
   * A crash can leave a fresh file not yet renamed in (max-file 1) or a plain `.1` not yet
   * compressed; the next rotation would otherwise rename the live file over that `.1`.
   */
  private async finishInterruptedRotation(): Promise<void> {
    const dir = dirname(this.path);
    const prefix = `${basename(this.path)}.`;
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const n of names) if (n.startsWith(prefix) && n.endsWith('.tmp')) await rm(join(dir, n), { force: true });
    if (!this.policy.compress || this.policy.maxFile < 2) return;
    const plain = rotatedName(this.path, 1, false);
    if (!(await stat(plain).catch(() => undefined))) return;
    if (await stat(rotatedName(this.path, 1, true)).catch(() => undefined)) await rm(plain, { force: true });
    else await this.compressNewest();
  }
}

function ignoreMissing(err: NodeJS.ErrnoException): void {
  if (err.code !== 'ENOENT') throw err;
}
