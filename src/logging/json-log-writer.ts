import { open, rename, rm, readFile, writeFile, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

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

  constructor(readonly path: string, private readonly policy: RotationPolicy) {}

  async open(): Promise<void> {
    this.fh = await open(this.path, 'a', 0o640);
    this.size = (await this.fh.stat()).size;
  }

  /** Bytes in the live file. */
  get liveSize(): number {
    return this.size;
  }

  /** Drops a tail written after the last checkpoint (a batch cut short by a crash). */
  async truncateTo(size: number): Promise<void> {
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
      return;
    }
    for (let n = maxFile - 1; n >= 2; n--) {
      await rename(rotatedName(this.path, n - 1, compress), rotatedName(this.path, n, compress)).catch(ignoreMissing);
    }
    await this.fh!.close();
    await rename(this.path, rotatedName(this.path, 1, false));
    this.fh = await open(this.path, 'a', 0o640);
    this.size = 0;
    if (compress) {
      // Readers look for `.1` and `.1.gz`; the plain one goes only once the gzip one is whole.
      const plain = rotatedName(this.path, 1, false);
      const gz = rotatedName(this.path, 1, true);
      await writeFile(`${gz}.tmp`, await gzipAsync(await readFile(plain)), { mode: 0o640 });
      await rename(`${gz}.tmp`, gz);
      await rm(plain, { force: true });
    }
  }
}

function ignoreMissing(err: NodeJS.ErrnoException): void {
  if (err.code !== 'ENOENT') throw err;
}
