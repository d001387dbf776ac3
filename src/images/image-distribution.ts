import { scanLayer } from '../archive/tar-read.js';
import { invalidParameter, notFound } from '../common/errors.js';
import { refString, type Reference } from '../reference/reference.js';
import type { ImageStore } from './image-store.js';
import type { LayerRecord } from './image-records.js';
import type { Descriptor } from './types.js';

/**
 * What the registry client needs from the image store beyond its interface, built only on the
 * store's public members: record layer blobs it put into the content store itself (already
 * verified against their digest), register an image from a pulled manifest, and read an image's
 * manifest and blobs back for push. Callers wrap a whole pull in `store.writing()` so blobs
 * written before their image is recorded are not collected meanwhile.
 */

/** The layer record holding a blob, if the store knows it (a layer pulled or imported before). */
export function layerForBlob(store: ImageStore, digest: string): LayerRecord | undefined {
  for (const l of store.layers.items.values()) if (l.blobs.some((b) => b.digest === digest)) return l;
  return undefined;
}

/**
 * Records a layer blob already in the content store: reads it once to learn its diffID and sizes
 * (a blob that is not a readable tar is rejected). Returns the existing record when known.
 */
export async function recordLayerBlob(store: ImageStore, desc: Descriptor): Promise<LayerRecord> {
  const known = layerForBlob(store, desc.digest);
  if (known) return known;
  let scan;
  try {
    scan = await scanLayer(store.content.readStream(desc.digest));
  } catch (err) {
    throw invalidParameter(`layer ${desc.digest} is not a valid tar archive: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  return recordScannedLayer(store, desc, scan);
}

/**
 * Records a layer blob whose diffID and sizes the caller computed while the blob was written
 * (and verified) into the content store, sparing a second read.
 */
export async function recordScannedLayer(store: ImageStore, desc: Descriptor, scan: { diffId: string; tarSize: number; contentSize: number }): Promise<LayerRecord> {
  const d: Descriptor = { mediaType: desc.mediaType, digest: desc.digest, size: desc.size };
  return store.lock.run(async () => {
    const prev = store.layers.items.get(scan.diffId);
    const rec: LayerRecord = prev
      ? { ...prev, blobs: prev.blobs.some((b) => b.digest === d.digest) ? prev.blobs : [...prev.blobs, d] }
      : { diffId: scan.diffId, tarSize: scan.tarSize, contentSize: scan.contentSize, blobs: [d] };
    await store.layers.put(scan.diffId, rec);
    return rec;
  });
}

export interface PulledImage {
  config: Buffer;
  /** Manifest bytes exactly as the registry served them (their digest is the image's RepoDigest). */
  manifest: Buffer;
  manifestDigest: string;
  layers: Descriptor[];
}

/** Stores manifest and config (verified by digest) and the image record; returns the image ID. */
export async function addPulledImage(store: ImageStore, img: PulledImage): Promise<string> {
  await store.content.write(img.manifest, { digest: img.manifestDigest, size: img.manifest.length });
  return store.addImage({ config: img.config, layers: img.layers, manifestDigest: img.manifestDigest });
}

/** Points a tag at an image; returns the image it pointed at before, if any. */
export async function setTag(store: ImageStore, ref: Reference, id: string): Promise<string | undefined> {
  return store.lock.run(async () => {
    const key = refString(ref);
    const prev = store.tags.get(key);
    await store.tags.set(key, id);
    return prev;
  });
}

export interface PushableImage {
  id: string;
  manifest: Buffer;
  manifestDigest: string;
  mediaType: string;
  config: Buffer;
  configDescriptor: Descriptor;
  layers: Descriptor[];
}

/** Reads back what a push uploads: the stored manifest (as pulled, or the one written on import) and config. */
export async function imageForPush(store: ImageStore, id: string): Promise<PushableImage> {
  const rec = store.records.items.get(id);
  if (!rec?.manifestDigest) throw notFound(`No such image: ${id}`);
  const manifest = await store.content.read(rec.manifestDigest);
  const json = JSON.parse(manifest.toString('utf8')) as { mediaType?: string; config: Descriptor; layers: Descriptor[] };
  for (const l of json.layers) {
    if (!(await store.content.has(l.digest))) throw notFound(`layer ${l.digest} of image ${id} is missing from the content store`);
  }
  return {
    id,
    manifest,
    manifestDigest: rec.manifestDigest,
    mediaType: json.mediaType ?? 'application/vnd.oci.image.manifest.v1+json',
    config: await store.content.read(json.config.digest),
    configDescriptor: json.config,
    layers: json.layers,
  };
}
