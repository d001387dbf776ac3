import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { invalidParameter, notFound } from '../common/errors.js';
import type { ContentStore } from '../content/content-store.js';
import { LocalContentStore } from '../content/local-content-store.js';
import { scanLayer } from '../archive/tar-read.js';
import {
  parseAnyReference,
  parseNormalizedNamed,
  parseStored,
  refString,
  withDefaultTag,
} from '../reference/reference.js';
import { chainIds } from './chain-id.js';
import { ImageRecords, LayerRecords, type ImageRecord, type LayerRecord } from './image-records.js';
import type { CommitOptions, HistoryItem, ImageService, ImageSummaryFilter, ImportOptions, RemoveResult, UsageCheck } from './image-service.js';
import { MediaType, ociLayerType, type ManifestJson } from './media-types.js';
import { Mutex } from './mutex.js';
import { BlobKeeper } from './blob-keeper.js';
import { parseTarget } from './tag-target.js';

export { parseTarget };
import { TagStore } from './tag-store.js';
import type { Descriptor, Image, ImageConfigFile } from './types.js';
import { filterImages } from './image-filters.js';
import { removeImage } from './image-remove.js';
import { pruneImages } from './image-prune.js';
import { imageHistory } from './image-history.js';
import { byCodeUnit } from '../common/string-order.js';

export interface ImageStoreOptions {
  /** Data root; metadata goes under <root>/image/, blobs under <root>/content/. */
  root: string;
  /** Shared content store (defaults to one on `root`). */
  content?: ContentStore;
}

export interface NewImage {
  config: Buffer;
  layers: Descriptor[];
  parent?: string;
  /** A manifest blob already stored for this image (load of OCI layouts); otherwise one is written. */
  manifestDigest?: string;
}

/**
 * The local image store (Docker's image service): configs, manifests and layer blobs in
 * the content store; names in a tag store; per-image and per-layer records as JSON files.
 * Build it with `await ImageStore.open({ root })`. Mutations are serialised by one mutex.
 */
export class ImageStore implements ImageService {
  readonly content: ContentStore;
  readonly tags: TagStore;
  readonly records: ImageRecords;
  readonly layers: LayerRecords;
  readonly tmpDir: string;
  readonly lock = new Mutex();
  usageCheck: UsageCheck = () => undefined;
  private readonly configs = new Map<string, ImageConfigFile>();
  private readonly blobs: BlobKeeper;

  private constructor(opts: ImageStoreOptions) {
    const dir = join(opts.root, 'image');
    this.content = opts.content ?? new LocalContentStore(opts.root);
    this.tags = new TagStore(dir);
    this.records = new ImageRecords(join(dir, 'images'));
    this.layers = new LayerRecords(join(dir, 'layers'));
    this.tmpDir = join(opts.root, 'tmp');
    this.blobs = new BlobKeeper(this.content, this.records, this.layers, this.lock);
  }

  static async open(opts: ImageStoreOptions): Promise<ImageStore> {
    const s = new ImageStore(opts);
    await mkdir(join(opts.root, 'image'), { recursive: true, mode: 0o700 });
    await mkdir(s.tmpDir, { recursive: true, mode: 0o700 });
    await Promise.all([s.tags.load(), s.records.load(), s.layers.load()]);
    await s.recover();
    return s;
  }

  /**
   * After a crash or a failed load/pull: drop staging dirs, layer records no image uses, and
   * blobs no record refers to (work cut short between writing blobs and recording the image).
   * Runs before the store takes requests.
   */
  private async recover(): Promise<void> {
    for (const n of await readdir(this.tmpDir).catch(() => [] as string[])) await rm(join(this.tmpDir, n), { recursive: true, force: true });
    const live = new Set<string>();
    for (const id of this.records.items.keys()) {
      const cfg = await this.config(id).catch(() => undefined);
      for (const d of cfg?.rootfs?.diff_ids ?? []) live.add(d);
    }
    for (const diffId of [...this.layers.items.keys()]) if (!live.has(diffId)) await this.layers.delete(diffId);
    await this.blobs.collectOrphans();
  }

  setUsageCheck(check: UsageCheck): void {
    this.usageCheck = check;
  }

  // ---- lookups ----

  /** Resolves a name, name@digest, full or short ID to an image ID, as Docker's GetImage. */
  resolveId(refOrId: string): string {
    const any = parseAnyReference(refOrId);
    if (any.kind === 'digest') {
      if (this.records.items.has(any.digest)) return any.digest;
    } else {
      const ref = any.ref.digest ? { ...any.ref, tag: undefined } : withDefaultTag(any.ref);
      const id = this.tags.get(refString(ref));
      if (id && this.records.items.has(id)) return id;
    }
    const hex = refOrId.replace(/^sha256:/, '');
    if (/^[a-f0-9]{1,64}$/.test(hex)) {
      const matches = [...this.records.items.keys()].filter((id) => id.startsWith(`sha256:${hex}`));
      if (matches.length === 1) return matches[0];
    }
    throw notFound(`No such image: ${refOrId}`);
  }

  async get(ref: string): Promise<Image> {
    return this.toImage(this.resolveId(ref));
  }

  async config(id: string): Promise<ImageConfigFile> {
    let c = this.configs.get(id);
    if (!c) {
      c = JSON.parse((await this.content.read(id)).toString('utf8')) as ImageConfigFile;
      this.configs.set(id, c);
    }
    return c;
  }

  async toImage(id: string): Promise<Image> {
    const rec = this.records.items.get(id);
    if (!rec) throw notFound(`No such image: ${id}`);
    const config = await this.config(id);
    const diffIds = config.rootfs?.diff_ids ?? [];
    const refs = this.tags.refsFor(id).map(parseStored);
    return {
      id,
      config,
      parent: rec.parent,
      repoTags: refs.filter((r) => !r.digest).map(refString),
      repoDigests: refs.filter((r) => r.digest).map(refString),
      size: diffIds.reduce((n, d) => n + (this.layers.items.get(d)?.contentSize ?? 0), 0),
      chainIds: chainIds(diffIds),
      layers: rec.layers,
      loaded: rec.loaded,
    };
  }

  /** IDs of images whose parent is `id`. */
  children(id: string): string[] {
    return [...this.records.items.values()].filter((r) => r.parent === id).map((r) => r.id);
  }

  async list(opts: ImageSummaryFilter = {}): Promise<Image[]> {
    const all = await Promise.all([...this.records.items.keys()].map((id) => this.toImage(id)));
    const out = await filterImages(this, all, opts);
    return out.sort((a, b) => Date.parse(b.config.created ?? '') - Date.parse(a.config.created ?? '') || byCodeUnit(a.id, b.id));
  }

  // ---- names ----

  async tag(source: string, target: string): Promise<void> {
    const id = this.resolveId(source);
    const ref = parseTarget(target);
    await this.lock.run(() => this.tags.set(refString(ref), id));
  }

  /** Records "repo@sha256:…" for an image (after a pull or push): Docker's RepoDigests. */
  async addRepoDigest(repository: string, manifestDigest: string, id: string): Promise<void> {
    const ref = parseNormalizedNamed(repository);
    if (!this.records.items.has(id)) throw notFound(`No such image: ${id}`);
    await this.lock.run(() => this.tags.set(refString({ ...ref, tag: undefined, digest: manifestDigest }), id));
  }

  // ---- writes ----

  /**
   * Stores a layer blob (as given: gzip, zstd or plain) and records its diffID and sizes.
   * The blob is verified to be a readable tar; a non-tar is removed again and rejected.
   */
  /** `knownContentSize`: see CommitOptions.layerContentSize (an uncompressed tar of Wharf's own). */
  async ingestLayer(data: Readable | Buffer, mediaType?: string, knownContentSize?: number): Promise<{ descriptor: Descriptor; layer: LayerRecord }> {
    const blob = await this.content.write(data);
    let scan;
    try {
      scan =
        knownContentSize !== undefined
          ? { diffId: blob.digest, tarSize: blob.size, contentSize: knownContentSize, compression: 'none' as const }
          : await scanLayer(this.content.readStream(blob.digest));
    } catch (err) {
      await this.blobs.drop(blob.digest);
      throw err;
    }
    const descriptor: Descriptor = { mediaType: mediaType ?? ociLayerType(scan.compression), digest: blob.digest, size: blob.size };
    const layer = await this.lock.run(async () => {
      const prev = this.layers.items.get(scan.diffId);
      const rec: LayerRecord = prev
        ? { ...prev, blobs: prev.blobs.some((b) => b.digest === blob.digest) ? prev.blobs : [...prev.blobs, descriptor] }
        : { diffId: scan.diffId, tarSize: scan.tarSize, contentSize: scan.contentSize, blobs: [descriptor] };
      await this.layers.put(scan.diffId, rec);
      return rec;
    });
    return { descriptor, layer };
  }

  /** Whether any record refers to a blob (layer, config or manifest). */
  blobReferenced(digest: string): boolean {
    return this.blobs.referenced(digest);
  }

  /** Adds (or re-adds) an image from its config bytes and layer descriptors; returns its ID. */
  async addImage(img: NewImage): Promise<string> {
    const cfgBlob = await this.content.write(img.config);
    const id = cfgBlob.digest;
    const config = JSON.parse(img.config.toString('utf8')) as ImageConfigFile;
    const diffIds = config.rootfs?.diff_ids ?? [];
    if (diffIds.length !== img.layers.length) {
      throw invalidParameter(`image config lists ${diffIds.length} layers but ${img.layers.length} were given`);
    }
    let manifestDigest = img.manifestDigest;
    if (!manifestDigest) {
      const manifest: ManifestJson = {
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        config: { mediaType: MediaType.ociConfig, digest: id, size: cfgBlob.size },
        layers: img.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
      };
      manifestDigest = (await this.content.write(Buffer.from(JSON.stringify(manifest)))).digest;
    }
    await this.lock.run(async () => {
      const prev = this.records.items.get(id);
      const rec: ImageRecord = {
        id,
        parent: img.parent ?? prev?.parent,
        layers: img.layers,
        manifestDigest,
        loaded: prev?.loaded ?? new Date().toISOString(),
      };
      await this.records.put(id, rec);
    });
    this.configs.set(id, config);
    return id;
  }

  /** Deletes an image's record and the blobs nothing else uses; returns the chain IDs dropped. */
  async deleteImageData(id: string): Promise<string[]> {
    const rec = this.records.items.get(id);
    if (!rec) return [];
    const config = await this.config(id).catch(() => undefined);
    await this.records.delete(id);
    this.configs.delete(id);
    const liveDiffIds = new Set<string>();
    const liveChains = new Set<string>();
    for (const other of this.records.items.keys()) {
      const ds = (await this.config(other).catch(() => undefined))?.rootfs?.diff_ids ?? [];
      for (const d of ds) liveDiffIds.add(d);
      for (const c of chainIds(ds)) liveChains.add(c);
    }
    const diffIds = config?.rootfs?.diff_ids ?? [];
    for (const diffId of diffIds) {
      if (liveDiffIds.has(diffId)) continue;
      const layer = this.layers.items.get(diffId);
      if (!layer) continue;
      await this.layers.delete(diffId);
      for (const b of layer.blobs) await this.blobs.drop(b.digest);
    }
    // Reported as Docker does: the chain IDs of layers no image uses any more, top first.
    const dropped = chainIds(diffIds).filter((c) => !liveChains.has(c)).reverse();
    for (const d of [id, rec.manifestDigest]) if (d) await this.blobs.drop(d);
    return dropped;
  }

  /** Runs a blob-writing operation (blob deletions wait for it). */
  writing<T>(fn: () => Promise<T>): Promise<T> {
    return this.blobs.writing(fn);
  }

  remove(ref: string, opts: { force?: boolean; noPrune?: boolean }): Promise<RemoveResult[]> {
    return removeImage(this, ref, opts);
  }

  // import, load, save and commit load their code on first use: a daemon that only runs
  // containers never holds the archive readers and writers in memory.
  importRootfs(tar: Readable, opts: ImportOptions): Promise<Image> {
    return this.writing(async () => (await import('./image-import.js')).importRootfs(this, tar, opts));
  }

  load(tar: Readable): Promise<{ tags: string[]; ids: string[] }> {
    return this.writing(async () => (await import('./archive-load.js')).loadArchive(this, tar));
  }

  async save(refs: string[], out: Writable): Promise<void> {
    return (await import('./archive-save.js')).saveArchive(this, refs, out);
  }

  commit(parent: Image | undefined, layer: Readable, opts: CommitOptions): Promise<Image> {
    return this.writing(async () => (await import('./image-commit.js')).commitImage(this, parent, layer, opts));
  }

  history(ref: string): Promise<HistoryItem[]> {
    return imageHistory(this, ref);
  }

  prune(opts: { all?: boolean; filters?: Record<string, string[]> }): Promise<{ deleted: RemoveResult[]; spaceReclaimed: number }> {
    return pruneImages(this, opts);
  }

  /** Chain IDs of every stored image's layers (for the snapshotter's gc). */
  async liveChainIds(): Promise<Set<string>> {
    const out = new Set<string>();
    for (const id of this.records.items.keys()) for (const c of chainIds((await this.config(id)).rootfs.diff_ids)) out.add(c);
    return out;
  }
}

