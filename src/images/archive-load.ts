import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { invalidParameter } from '../common/errors.js';
import { readTar } from '../archive/tar-read.js';
import { cleanEntryName } from '../archive/safe-path.js';
import { familiarString, refString } from '../reference/reference.js';
import { parseTarget, type ImageStore } from './image-store.js';
import { isIndexType, isManifestType, type IndexJson, type ManifestJson } from './media-types.js';
import type { Descriptor, ImageConfigFile } from './types.js';
import { goArch } from './chain-id.js';

/**
 * The archive's files staged on disk under generated names; archive names are only keys,
 * so a hostile name can never choose where anything is written. Symlinks and hard links
 * (Docker 25's legacy `<id>/layer.tar -> ../blobs/…`) are resolved within the archive.
 */
class StagedArchive {
  readonly files = new Map<string, string>();
  readonly links = new Map<string, string>();
  constructor(readonly dir: string) {}

  resolve(name: string): string {
    let cur = cleanEntryName(name).join('/');
    for (let hops = 0; hops < 16; hops++) {
      const f = this.files.get(cur);
      if (f) return f;
      const l = this.links.get(cur);
      if (l === undefined) break;
      cur = l;
    }
    throw invalidParameter(`invalid archive: ${name} not found in the archive`);
  }

  has(name: string): boolean {
    try {
      this.resolve(name);
      return true;
    } catch {
      return false;
    }
  }

  async json<T>(name: string): Promise<T> {
    try {
      return JSON.parse(await readFile(this.resolve(name), 'utf8')) as T;
    } catch (err) {
      if (err instanceof SyntaxError) throw invalidParameter(`invalid archive: ${name} is not valid JSON`);
      throw err;
    }
  }
}

async function stage(store: ImageStore, tar: Readable): Promise<StagedArchive> {
  const dir = join(store.tmpDir, `load-${randomBytes(6).toString('hex')}`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const st = new StagedArchive(dir);
  let n = 0;
  try {
    await readTar(tar, async (h, body) => {
      const comps = cleanEntryName(h.name);
      const name = comps.join('/');
      if (h.type === 'file' || h.type === 'contiguous-file') {
        const path = join(dir, String(n++));
        const fh = await open(path, 'wx', 0o600);
        try {
          for await (const c of body) await fh.write(c);
        } finally {
          await fh.close();
        }
        st.files.set(name, path);
      } else if (h.type === 'symlink') {
        const target = h.linkname ?? '';
        const joined = target.startsWith('/') ? target : posix.join(posix.dirname(name), target);
        st.links.set(name, cleanEntryName(joined).join('/'));
      } else if (h.type === 'link') {
        st.links.set(name, cleanEntryName(h.linkname ?? '').join('/'));
      }
    });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return st;
}

interface DockerManifestEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

/**
 * `docker load`: a docker-archive (manifest.json, with legacy `<id>/layer.tar` or Docker 25's
 * `blobs/sha256/…` paths) or an OCI image layout tarball (index.json + oci-layout). Every
 * layer is checked against the config's diffIDs before the image is recorded.
 */
export async function loadArchive(store: ImageStore, tar: Readable): Promise<{ tags: string[]; ids: string[] }> {
  const st = await stage(store, tar);
  try {
    if (st.has('manifest.json')) return await loadDockerArchive(store, st);
    if (st.has('index.json')) return await loadOciLayout(store, st);
    throw invalidParameter('invalid archive: neither manifest.json nor index.json found (not a docker save or OCI layout tarball)');
  } finally {
    await rm(st.dir, { recursive: true, force: true });
  }
}

async function addLayers(store: ImageStore, st: StagedArchive, config: ImageConfigFile, paths: string[], types?: string[]): Promise<Descriptor[]> {
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== paths.length) throw invalidParameter(`invalid manifest, layers length mismatch: expected ${diffIds.length}, got ${paths.length}`);
  const out: Descriptor[] = [];
  for (let i = 0; i < paths.length; i++) {
    const { descriptor, layer } = await store.ingestLayer(createReadStream(st.resolve(paths[i])), types?.[i]);
    if (layer.diffId !== diffIds[i]) throw invalidParameter(`invalid diffID for layer ${i}: expected "${diffIds[i]}", got "${layer.diffId}"`);
    out.push(descriptor);
  }
  return out;
}

async function applyTags(store: ImageStore, id: string, names: string[], tags: string[]): Promise<void> {
  for (const n of names) {
    const ref = parseTarget(n);
    await store.lock.run(() => store.tags.set(refString(ref), id));
    tags.push(familiarString(ref));
  }
}

async function loadDockerArchive(store: ImageStore, st: StagedArchive): Promise<{ tags: string[]; ids: string[] }> {
  const manifest = await st.json<DockerManifestEntry[]>('manifest.json');
  if (!Array.isArray(manifest)) throw invalidParameter('invalid archive: manifest.json is not a list');
  const tags: string[] = [];
  const ids: string[] = [];
  for (const m of manifest) {
    if (typeof m?.Config !== 'string' || !Array.isArray(m.Layers)) throw invalidParameter('invalid archive: malformed manifest.json entry');
    const configBytes = await readFile(st.resolve(m.Config));
    const config = parseConfig(configBytes);
    const layers = await addLayers(store, st, config, m.Layers);
    const id = await store.addImage({ config: configBytes, layers });
    if (m.RepoTags?.length) await applyTags(store, id, m.RepoTags, tags);
    else ids.push(id);
  }
  return { tags, ids };
}

function parseConfig(bytes: Buffer): ImageConfigFile {
  try {
    const c = JSON.parse(bytes.toString('utf8')) as ImageConfigFile;
    if (!c.rootfs || !Array.isArray(c.rootfs.diff_ids)) throw new Error('no rootfs');
    return c;
  } catch {
    throw invalidParameter('invalid archive: image config is not valid');
  }
}

function blobName(digest: string): string {
  const [alg, hex] = digest.split(':');
  if (alg !== 'sha256' || !/^[a-f0-9]{64}$/.test(hex ?? '')) throw invalidParameter(`invalid archive: unsupported digest ${digest}`);
  return `blobs/${alg}/${hex}`;
}

/** Reads a blob of the layout, verifying digest and size. */
async function verifiedBlob(store: ImageStore, st: StagedArchive, d: { digest: string; size: number }): Promise<Buffer> {
  const bytes = await readFile(st.resolve(blobName(d.digest)));
  await store.content.write(bytes, { digest: d.digest, size: d.size });
  return bytes;
}

async function loadOciLayout(store: ImageStore, st: StagedArchive): Promise<{ tags: string[]; ids: string[] }> {
  const index = await st.json<IndexJson>('index.json');
  const tags: string[] = [];
  const ids: string[] = [];
  for (const desc of index.manifests ?? []) {
    const manifestDesc = await pickManifest(store, st, desc);
    const manifestBytes = await verifiedBlob(store, st, manifestDesc);
    const manifest = JSON.parse(manifestBytes.toString('utf8')) as ManifestJson;
    const configBytes = await verifiedBlob(store, st, manifest.config);
    const config = parseConfig(configBytes);
    const layers = await addLayers(store, st, config, manifest.layers.map((l) => blobName(l.digest)), manifest.layers.map((l) => l.mediaType));
    for (let i = 0; i < layers.length; i++) {
      if (layers[i].digest !== manifest.layers[i].digest) throw invalidParameter(`invalid archive: layer ${i} does not match its digest`);
    }
    const id = await store.addImage({ config: configBytes, layers, manifestDigest: manifestDesc.digest });
    const name = imageName(desc.annotations);
    if (name) await applyTags(store, id, [name], tags);
    else if (!ids.includes(id)) ids.push(id);
  }
  return { tags, ids };
}

/** The image name of an index entry: containerd's annotation, or a full ref.name. */
function imageName(a: Record<string, string> | undefined): string | undefined {
  const full = a?.['io.containerd.image.name'];
  if (full) return full;
  const ref = a?.['org.opencontainers.image.ref.name'];
  // A bare tag ("latest") names no repository: the image loads untagged, as Docker does.
  if (ref && /[/:]/.test(ref)) return ref;
  return undefined;
}

/** Follows nested indexes to the manifest for this host's platform (linux/<arch>). */
async function pickManifest(store: ImageStore, st: StagedArchive, desc: IndexJson['manifests'][number], depth = 0): Promise<{ digest: string; size: number }> {
  if (isManifestType(desc.mediaType)) return desc;
  if (!isIndexType(desc.mediaType) || depth > 4) throw invalidParameter(`invalid archive: unsupported media type ${desc.mediaType}`);
  const nested = JSON.parse((await verifiedBlob(store, st, desc)).toString('utf8')) as IndexJson;
  const arch = goArch();
  const candidates = nested.manifests ?? [];
  const chosen =
    candidates.find((m) => m.platform?.os === 'linux' && m.platform.architecture === arch) ??
    candidates.find((m) => !m.platform && isManifestType(m.mediaType));
  if (!chosen) throw invalidParameter(`invalid archive: no manifest for linux/${arch}`);
  return pickManifest(store, st, chosen, depth + 1);
}
