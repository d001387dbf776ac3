import { mkdir, open, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { syncDir } from '../../../common/atomic-file.js';
import type { ParsedDigest } from '../grammar.js';
import type { RegistryLayout } from './layout.js';

/**
 * The registry's content-addressed blobs (layers, configs and manifests alike). A blob only
 * appears at its final path after its bytes were verified against its digest and fsynced.
 *
 * Garbage collection runs beside a serving registry, possibly in another process. The
 * contract between them: before the server creates any new reference to an existing blob
 * (a repository link, a manifest that names it, a finished upload) it *claims* the blob by
 * setting its mtime to now; gc never deletes a blob whose mtime is recent, and moves blobs to
 * its trash before deleting them, restoring any that were claimed meanwhile. A claim that
 * finds no blob tells the server the blob is gone.
 */
export class BlobStore {
  constructor(private readonly layout: RegistryLayout) {}

  path(d: ParsedDigest): string {
    return this.layout.blob(d);
  }

  /** Size of a stored blob, or undefined. */
  async size(d: ParsedDigest): Promise<number | undefined> {
    try {
      return (await stat(this.layout.blob(d))).size;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  /** Marks a blob as freshly used (see the class comment); its size, or undefined when absent. */
  async claim(d: ParsedDigest): Promise<number | undefined> {
    const p = this.layout.blob(d);
    try {
      const now = new Date();
      await utimes(p, now, now);
      return (await stat(p)).size;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  /**
   * Moves a verified, fsynced temp file (on the same filesystem) into place. When the blob
   * already exists the temp file is dropped: identical digest, identical bytes.
   */
  async commitFile(tmp: string, d: ParsedDigest): Promise<void> {
    if ((await this.claim(d)) !== undefined) {
      await unlink(tmp).catch(() => {});
      return;
    }
    const dest = this.layout.blob(d);
    await mkdir(dirname(dest), { recursive: true });
    const now = new Date();
    await utimes(tmp, now, now);
    await rename(tmp, dest);
    await syncDir(dirname(dest));
  }

  /** Stores small content (manifests) given as bytes, already known to match `d`. */
  async writeBytes(d: ParsedDigest, bytes: Uint8Array): Promise<void> {
    if ((await this.claim(d)) !== undefined) return;
    await mkdir(this.layout.uploadsDir, { recursive: true });
    const tmp = join(this.layout.uploadsDir, `.blob-${randomBytes(8).toString('hex')}.tmp`);
    const fh = await open(tmp, 'w', 0o644);
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } catch (err) {
      await fh.close();
      await unlink(tmp).catch(() => {});
      throw err;
    }
    await fh.close();
    await this.commitFile(tmp, d);
  }

  async readBytes(d: ParsedDigest): Promise<Buffer | undefined> {
    try {
      return await readFile(this.layout.blob(d));
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }
}

export function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
