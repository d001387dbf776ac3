import { readFile, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { removeAtomicTemps, writeJsonAtomic } from '../common/atomic-file.js';
import type { Descriptor } from './types.js';

/** What the store keeps per image besides its config blob (which it finds by the ID). */
export interface ImageRecord {
  id: string;
  parent?: string;
  /** Layer blobs as the image's manifest lists them, bottom first. */
  layers: Descriptor[];
  /** Digest of the manifest blob stored for this image, if any. */
  manifestDigest?: string;
  /** When the image entered this store (ISO). */
  loaded: string;
}

/** What the store knows about one layer, keyed by its diffID. */
export interface LayerRecord {
  diffId: string;
  /** Bytes of the uncompressed tar. */
  tarSize: number;
  /** Docker's layer size: apparent sizes of non-directories (file bytes, symlink targets). */
  contentSize: number;
  /** Blobs holding this layer (compressed or not), each with its digest, for push and save. */
  blobs: Descriptor[];
}

/** One JSON file per record in a folder, all held in memory; writes are atomic. */
class JsonFolder<T> {
  readonly items = new Map<string, T>();
  constructor(private readonly dir: string) {}

  async load(): Promise<void> {
    let names: string[] = [];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    await removeAtomicTemps(this.dir, names);
    for (const n of names) {
      if (!/^[a-f0-9]{64}\.json$/.test(n)) continue;
      try {
        this.items.set(`sha256:${n.slice(0, 64)}`, JSON.parse(await readFile(join(this.dir, n), 'utf8')) as T);
      } catch {
        // An unreadable record cannot be written half by us (atomic writes); skip foreign junk.
      }
    }
  }

  async put(key: string, value: T): Promise<void> {
    await writeJsonAtomic(join(this.dir, `${key.slice(7)}.json`), value);
    this.items.set(key, value);
  }

  async delete(key: string): Promise<void> {
    this.items.delete(key);
    await unlink(join(this.dir, `${key.slice(7)}.json`)).catch(() => {});
  }
}

export class ImageRecords extends JsonFolder<ImageRecord> {}
export class LayerRecords extends JsonFolder<LayerRecord> {}
