import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { syncDir } from '../common/atomic-file.js';
import { invalidParameter, notFound } from '../common/errors.js';
import type { BlobInfo, ContentStore, WriteExpectation } from './content-store.js';
import { digestHex } from './digest.js';

const WRITE_BATCH = 1 << 20;

/**
 * Content store on the local filesystem: <root>/content/blobs/sha256/<hex>, with
 * in-progress writes under <root>/content/ingest/ (same filesystem, so the final rename
 * is atomic). Blobs are read-only files (0444).
 */
export class LocalContentStore implements ContentStore {
  readonly blobDir: string;
  private readonly ingestDir: string;

  constructor(root: string) {
    this.blobDir = join(root, 'content', 'blobs', 'sha256');
    this.ingestDir = join(root, 'content', 'ingest');
  }

  path(digest: string): string {
    return join(this.blobDir, digestHex(digest));
  }

  async has(digest: string): Promise<boolean> {
    try {
      await stat(this.path(digest));
      return true;
    } catch {
      return false;
    }
  }

  async info(digest: string): Promise<BlobInfo> {
    try {
      const st = await stat(this.path(digest));
      return { digest, size: st.size, createdAt: st.mtime.toISOString() };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(`content ${digest}: not found`);
      throw err;
    }
  }

  async read(digest: string): Promise<Buffer> {
    try {
      return await readFile(this.path(digest));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(`content ${digest}: not found`);
      throw err;
    }
  }

  readStream(digest: string): Readable {
    return createReadStream(this.path(digest));
  }

  async write(data: Buffer | Readable, expect: WriteExpectation = {}): Promise<BlobInfo> {
    if (expect.digest !== undefined) digestHex(expect.digest);
    await mkdir(this.ingestDir, { recursive: true });
    await mkdir(this.blobDir, { recursive: true });
    const tmp = join(this.ingestDir, `${Date.now()}-${randomBytes(8).toString('hex')}`);
    const fh = await open(tmp, 'wx', 0o444);
    const hash = createHash('sha256');
    let size = 0;
    let committed = false;
    // Tar producers hand over many small chunks (headers, small files): one write per
    // chunk would cost a thread-pool round trip each, so they are gathered first.
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      if (pendingBytes === 0) return;
      const buf = pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      await fh.write(buf);
    };
    try {
      const source: AsyncIterable<Buffer> | Buffer[] = Buffer.isBuffer(data) ? [data] : data;
      for await (const chunk of source) {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        hash.update(buf);
        size += buf.length;
        if (expect.size !== undefined && size > expect.size) {
          throw invalidParameter(`size mismatch: expected ${expect.size} bytes, got more`);
        }
        pending.push(buf);
        pendingBytes += buf.length;
        if (pendingBytes >= WRITE_BATCH) await flush();
      }
      await flush();
      const digest = `sha256:${hash.digest('hex')}`;
      if (expect.size !== undefined && size !== expect.size) {
        throw invalidParameter(`size mismatch: expected ${expect.size} bytes, got ${size}`);
      }
      if (expect.digest !== undefined && digest !== expect.digest) {
        throw invalidParameter(`digest mismatch: expected ${expect.digest}, got ${digest}`);
      }
      await fh.sync();
      await fh.close();
      const final = this.path(digest);
      await rename(tmp, final);
      committed = true;
      await syncDir(this.blobDir);
      return { digest, size, createdAt: new Date().toISOString() };
    } finally {
      if (!committed) {
        await fh.close().catch(() => {});
        await unlink(tmp).catch(() => {});
        if (!Buffer.isBuffer(data)) data.destroy();
      }
    }
  }

  /** Removes writes a crash left half done (call before any write starts). */
  async cleanupIngest(): Promise<number> {
    let names: string[] = [];
    try {
      names = await readdir(this.ingestDir);
    } catch {
      return 0;
    }
    for (const n of names) await unlink(join(this.ingestDir, n)).catch(() => {});
    return names.length;
  }

  async delete(digest: string): Promise<boolean> {
    try {
      await unlink(this.path(digest));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  async list(): Promise<BlobInfo[]> {
    let names: string[];
    try {
      names = await readdir(this.blobDir);
    } catch {
      return [];
    }
    const out: BlobInfo[] = [];
    for (const n of names) {
      if (!/^[a-f0-9]{64}$/.test(n)) continue;
      const st = await stat(join(this.blobDir, n)).catch(() => undefined);
      if (st) out.push({ digest: `sha256:${n}`, size: st.size, createdAt: st.mtime.toISOString() });
    }
    return out;
  }
}

/** Reads a whole stream into a Buffer (small JSON blobs and tests). */
export async function streamToBuffer(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks);
}
