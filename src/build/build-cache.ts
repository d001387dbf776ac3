/**
 * The layer cache: step key → image ID, persisted as one small JSON index under
 * <dataRoot>/build-cache/index.json (written atomically; an entry is added only after the
 * step's image exists, so a failed build never leaves an entry pointing at nothing).
 * A hit is only trusted while the image is still in the store; stale entries are dropped
 * when looked up.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../common/atomic-file.js';
import type { ImageService } from '../images/image-service.js';
import type { Image } from '../images/types.js';

export function cacheKey(parts: { parent: string; instruction: string; content?: string }): string {
  const h = createHash('sha256');
  h.update(`parent ${parts.parent}\n`);
  h.update(`instruction ${parts.instruction}\n`);
  if (parts.content) h.update(`content ${parts.content}\n`);
  return h.digest('hex');
}

export class BuildCache {
  private entries = new Map<string, string>();
  private loaded?: Promise<void>;
  private writing: Promise<void> = Promise.resolve();
  private readonly file: string;

  constructor(
    dataRoot: string,
    private readonly images: ImageService,
  ) {
    this.file = join(BuildCache.dir(dataRoot), 'index.json');
  }

  /** The cache's folder in a data root. */
  static dir(dataRoot: string): string {
    return join(dataRoot, 'build-cache');
  }

  private load(): Promise<void> {
    this.loaded ??= readFile(this.file, 'utf8')
      .then((t) => {
        const obj = JSON.parse(t) as Record<string, string>;
        this.entries = new Map(Object.entries(obj));
      })
      .catch(() => {
        this.entries = new Map();
      });
    return this.loaded;
  }

  async lookup(key: string): Promise<Image | undefined> {
    await this.load();
    const id = this.entries.get(key);
    if (!id) return undefined;
    try {
      return await this.images.get(id);
    } catch {
      this.entries.delete(key);
      return undefined;
    }
  }

  /** Records a step's image; writes are serialised so concurrent stages never lose entries. */
  async store(key: string, imageId: string): Promise<void> {
    await this.load();
    this.entries.set(key, imageId);
    const next = this.writing.then(async () => {
      await writeFileAtomic(this.file, JSON.stringify(Object.fromEntries(this.entries)), 0o600, { sync: false });
    });
    this.writing = next.catch(() => {});
    await next;
  }
}
