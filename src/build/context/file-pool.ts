/**
 * A pool of context files kept between builds, one inode per distinct content, mode and time.
 *
 * Writing a context out used to create one inode per file, every build, and creating
 * inodes is the slow part of a build on many disks (0.4 ms each on this project's test
 * machines, against 0.01-0.03 ms for a hard link). A rebuild usually sends the same files
 * again, so each is placed as a hard link to its pooled inode, and a COPY layer links the
 * same inode on. Only files the pool has not seen are created.
 *
 * Pooled files are never written after creation, like layer files: containers change files
 * in their own upper directory (a copy-up makes a new inode). A pooled file that no layer
 * links to any more (link count 1) is removed by the sweep after each build.
 */
import { closeSync, constants as fsc, fchmodSync, futimesSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, join } from 'node:path';

export interface PoolSweep {
  /** Pooled files removed. */
  count: number;
  /** Their bytes. */
  bytes: number;
}

export class FilePool {
  /** Builds using the pool now: the sweep waits until none is, so it never races a placement. */
  private users = 0;

  constructor(readonly dir: string) {}

  /** Where files being created are written before their rename (emptied at start, see recoverBuildLeftovers). */
  static tmpDir(dir: string): string {
    return join(dir, '.tmp');
  }

  /** A build starts using the pool; the returned function ends that. */
  use(): () => void {
    this.users++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.users--;
    };
  }

  private pathFor(digest: string, mode: number, mtime: Date): string {
    return join(this.dir, digest.slice(0, 2), `${digest}-${mode.toString(8)}-${mtime.getTime()}`);
  }

  /** Creates the pooled file under a temporary name and publishes it with a rename. */
  private create(pooled: string, data: Buffer, mode: number, mtime: Date): void {
    mkdirSync(join(pooled, '..'), { recursive: true, mode: 0o700 });
    // Apart from the pooled files, so what a crash leaves is found without listing the pool.
    const tmpDir = FilePool.tmpDir(this.dir);
    mkdirSync(tmpDir, { recursive: true, mode: 0o700 });
    const tmp = join(tmpDir, `${basename(pooled)}-${randomBytes(4).toString('hex')}`);
    const fd = openSync(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o600);
    try {
      for (let off = 0; off < data.length; ) off += writeSync(fd, data, off, data.length - off);
      fchmodSync(fd, mode);
      futimesSync(fd, mtime, mtime);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, pooled);
  }

  /**
   * Makes `path` (which must not exist) a hard link to the pooled file with this content,
   * mode and time, creating that first if needed. False when a link cannot be made there
   * (another filesystem, the link limit): the caller then writes the file itself.
   */
  place(path: string, data: Buffer, digest: string, mode: number, mtime: Date): boolean {
    const pooled = this.pathFor(digest, mode, mtime);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        linkSync(pooled, path);
        return true;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' && attempt === 0) this.create(pooled, data, mode, mtime);
        else if (code === 'EXDEV' || code === 'EMLINK' || code === 'EPERM') return false;
        else throw err;
      }
    }
    return false;
  }

  /**
   * Removes pooled files nothing else links to (and leftovers of interrupted creations).
   * With `all`, every pooled file goes: layers keep their own links to the inodes they use.
   * Does nothing while a build is using the pool.
   */
  sweep(all = false): PoolSweep {
    const out: PoolSweep = { count: 0, bytes: 0 };
    if (this.users > 0) return out;
    let shards: string[];
    try {
      shards = readdirSync(this.dir);
    } catch {
      return out;
    }
    for (const shard of shards) {
      const sdir = join(this.dir, shard);
      let names: string[];
      try {
        names = readdirSync(sdir);
      } catch {
        continue;
      }
      let left = names.length;
      for (const name of names) {
        const p = join(sdir, name);
        try {
          const st = lstatSync(p);
          if (st.nlink > 1 && !all && shard !== '.tmp') continue;
          unlinkSync(p);
          left--;
          // Only a file nothing else links to gives its space back.
          if (st.nlink === 1) {
            out.count++;
            out.bytes += st.size;
          }
        } catch {
          /* already gone */
        }
      }
      if (left === 0) rmSync(sdir, { recursive: true, force: true });
    }
    return out;
  }
}
