import { pipeline } from 'node:stream/promises';
import { Readable, type Writable } from 'node:stream';
import { internal } from '../common/errors.js';
import { TAR_END, tarEntry } from '../archive/tar-write.js';
import { decompress } from '../archive/decompress.js';
import { familiarize, parseAnyReference, parseStored, refString, withDefaultTag } from '../reference/reference.js';
import type { ImageStore } from './image-store.js';
import { MediaType, type IndexJson, type ManifestJson } from './media-types.js';
import type { Image } from './types.js';
import { sha256Digest } from './chain-id.js';

interface SaveItem {
  image: Image;
  /** Full references to record for it (only the ones the caller named). */
  refs: string[];
}

/** Which images and names `docker save a b:c <id>` means: names keep their tag, IDs none. */
function plan(store: ImageStore, refs: string[]): Promise<SaveItem[]> {
  const items = new Map<string, SaveItem>();
  return (async () => {
    for (const r of refs) {
      const id = store.resolveId(r);
      const item = items.get(id) ?? { image: await store.toImage(id), refs: [] };
      items.set(id, item);
      const any = parseAnyReference(r);
      if (any.kind !== 'named') continue;
      // Only a name that resolved as a name (not as an ID prefix) is recorded, tags only.
      const full = refString(any.ref.digest ? { ...any.ref, tag: undefined } : withDefaultTag(any.ref));
      if (store.tags.get(full) === id && !parseStored(full).digest && !item.refs.includes(full)) item.refs.push(full);
    }
    return [...items.values()];
  })();
}

/** The uncompressed tar of a layer, from whichever blob holds it. */
async function layerStream(store: ImageStore, diffId: string): Promise<Readable> {
  const rec = store.layers.items.get(diffId);
  if (!rec || rec.blobs.length === 0) throw internal(`layer ${diffId} has no stored blob`);
  const plain = rec.blobs.find((b) => b.digest === diffId);
  const blob = plain ?? rec.blobs[0];
  const { stream } = await decompress(store.content.readStream(blob.digest));
  return stream;
}

/**
 * `docker save`: a tarball Docker 25+ writes and every Docker `load` reads — manifest.json
 * (Config/RepoTags/Layers) plus an OCI layout (oci-layout, index.json, blobs/sha256/…),
 * layers uncompressed so that their blob digests are their diffIDs. All names are
 * resolved before the first byte is written (an unknown one is "No such image").
 */
export async function saveArchive(store: ImageStore, refs: string[], out: Writable): Promise<void> {
  const items = await plan(store, refs);
  await pipeline(Readable.from(archiveBytes(store, items), { objectMode: false }), out);
}

async function* archiveBytes(store: ImageStore, items: SaveItem[]): AsyncGenerator<Buffer> {
  const mtime = new Date(0);
  const written = new Set<string>();
  const blob = (digest: string, data: Buffer): AsyncGenerator<Buffer> | [] => {
    if (written.has(digest)) return [];
    written.add(digest);
    return tarEntry({ name: `blobs/sha256/${digest.slice(7)}`, type: 'file', mode: 0o444, size: data.length, mtime }, data);
  };
  yield* tarEntry({ name: 'blobs', type: 'directory', mode: 0o755, mtime });
  yield* tarEntry({ name: 'blobs/sha256', type: 'directory', mode: 0o755, mtime });
  const manifestJson: Array<{ Config: string; RepoTags: string[] | null; Layers: string[] }> = [];
  const index: IndexJson = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
  for (const { image, refs } of items) {
    const config = await store.content.read(image.id);
    yield* blob(image.id, config);
    const layers: ManifestJson['layers'] = [];
    for (const diffId of image.config.rootfs.diff_ids) {
      const size = store.layers.items.get(diffId)?.tarSize ?? 0;
      layers.push({ mediaType: MediaType.ociLayer, digest: diffId, size });
      if (written.has(diffId)) continue;
      written.add(diffId);
      const stream = await layerStream(store, diffId);
      yield* tarEntry({ name: `blobs/sha256/${diffId.slice(7)}`, type: 'file', mode: 0o444, size, mtime }, stream);
    }
    const manifest: ManifestJson = {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: image.id, size: config.length },
      layers,
    };
    const mBytes = Buffer.from(JSON.stringify(manifest));
    const mDigest = sha256Digest(mBytes);
    yield* blob(mDigest, mBytes);
    const desc = { mediaType: MediaType.ociManifest, digest: mDigest, size: mBytes.length };
    if (refs.length === 0) index.manifests.push(desc);
    for (const r of refs) {
      const ref = parseStored(r);
      index.manifests.push({ ...desc, annotations: { 'io.containerd.image.name': r, 'org.opencontainers.image.ref.name': ref.tag ?? 'latest' } });
    }
    manifestJson.push({
      Config: `blobs/sha256/${image.id.slice(7)}`,
      RepoTags: refs.length ? refs.map(familiarize) : null,
      Layers: layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`),
    });
  }
  const json = (name: string, v: unknown): AsyncGenerator<Buffer> => {
    const b = Buffer.from(JSON.stringify(v));
    return tarEntry({ name, type: 'file', mode: 0o644, size: b.length, mtime }, b);
  };
  yield* json('index.json', index);
  yield* json('manifest.json', manifestJson);
  yield* json('oci-layout', { imageLayoutVersion: '1.0.0' });
  yield TAR_END;
}
