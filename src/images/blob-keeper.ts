import type { ContentStore } from '../content/content-store.js';
import type { ImageRecords, LayerRecords } from './image-records.js';
import type { Mutex } from './mutex.js';

/**
 * Decides when the image store's blobs (configs, manifests, layers) may go: a blob stays
 * while any image or layer record names it, and deletions wait while an import, load or
 * commit is writing (it may have just stored the same bytes without recording them yet).
 */
export class BlobKeeper {
  private activeWrites = 0;
  private readonly deferred = new Set<string>();

  constructor(
    private readonly content: ContentStore,
    private readonly records: ImageRecords,
    private readonly layers: LayerRecords,
    private readonly lock: Mutex,
  ) {}

  /** Whether any record refers to a blob (layer, config or manifest). */
  referenced(digest: string): boolean {
    for (const r of this.records.items.values()) {
      if (r.id === digest || r.manifestDigest === digest || r.layers.some((l) => l.digest === digest)) return true;
    }
    for (const l of this.layers.items.values()) if (l.blobs.some((b) => b.digest === digest)) return true;
    return false;
  }

  /** Deletes a blob nothing refers to, now or once the running writers are done. */
  async drop(digest: string): Promise<void> {
    if (this.activeWrites > 0) {
      this.deferred.add(digest);
      return;
    }
    if (!this.referenced(digest)) await this.content.delete(digest);
  }

  /** Runs a blob-writing operation; deferred deletions run once no writer is left. */
  async writing<T>(fn: () => Promise<T>): Promise<T> {
    this.activeWrites++;
    try {
      return await fn();
    } finally {
      this.activeWrites--;
      if (this.activeWrites === 0 && this.deferred.size > 0) {
        const drops = [...this.deferred];
        this.deferred.clear();
        await this.lock.run(async () => {
          for (const d of drops) await this.drop(d);
        });
      }
    }
  }

  /** At open, after a crash: blobs no record names (an import or delete cut short). */
  async collectOrphans(): Promise<void> {
    for (const b of await this.content.list()) if (!this.referenced(b.digest)) await this.content.delete(b.digest);
  }
}
