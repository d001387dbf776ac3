import { Readable } from 'node:stream';
import { WharfError, notFound } from '../../common/errors.js';
import { addPulledImage, layerForBlob, recordLayerBlob, recordScannedLayer, setTag } from '../../images/image-distribution.js';
import { LayerScanner } from './layer-scan.js';
import type { ImageStore } from '../../images/image-store.js';
import { isIndexType, isLayerType, type IndexJson } from '../../images/media-types.js';
import type { Descriptor, ImageConfigFile } from '../../images/types.js';
import { familiarString, parseNormalizedNamed, refString, withDefaultTag, type Reference } from '../../reference/reference.js';
import type { Credentials } from './auth.js';
import { repoScope } from './auth.js';
import { fetchBlob } from './blob-fetch.js';
import type { RegistryHostsOptions } from './hosts.js';
import { fetchManifest, parseImageManifest, parsePlatform, selectFromIndex, sha256, type FetchedManifest } from './manifests.js';
import { eachLimited, shortId, type ProgressSink } from './progress.js';
import { RegistryClient, RegistryError, registryError } from './registry-client.js';
import { readBody } from './transport.js';

export interface PullOptions {
  creds?: Credentials;
  hosts?: RegistryHostsOptions;
  /** "os/arch[/variant]"; default this host. */
  platform?: string;
  onProgress?: ProgressSink;
  signal?: AbortSignal;
  /** Layers fetched at once (Docker's max-concurrent-downloads is 3). */
  concurrency?: number;
}

/** A pull resolved up to its image manifest: enough to report "not found" before any stream starts. */
export interface ResolvedPull {
  ref: Reference;
  client: RegistryClient;
  /** The manifest (or index) digest the reference resolved to: the image's RepoDigest. */
  digest: string;
  manifest: FetchedManifest;
}

/** Resolves a reference to its image manifest (choosing a platform from an index). */
export async function resolvePull(refIn: Reference, opts: PullOptions = {}): Promise<ResolvedPull> {
  const ref = withDefaultTag(refIn);
  const client = new RegistryClient(ref.domain, { creds: opts.creds, hosts: opts.hosts });
  const want = ref.digest ?? ref.tag!;
  let top: FetchedManifest;
  try {
    top = await fetchManifest(client, ref.path, want, opts.signal);
  } catch (err) {
    throw explainManifestError(err, ref);
  }
  let manifest = top;
  if (isIndexType(top.mediaType)) {
    const entry = selectFromIndex(JSON.parse(top.bytes.toString('utf8')) as IndexJson, parsePlatform(opts.platform));
    manifest = await fetchManifest(client, ref.path, entry.digest, opts.signal).catch((err) => {
      throw explainManifestError(err, { ...ref, tag: undefined, digest: entry.digest });
    });
  }
  return { ref, client, digest: top.digest, manifest };
}

/** Docker's wording for manifest failures ("manifest for x:y not found: manifest unknown: …"). */
function explainManifestError(err: unknown, ref: Reference): unknown {
  if (!(err instanceof RegistryError)) return err;
  if (err.status === 404) return notFound(`manifest for ${familiarString(ref)} not found: ${err.message}`);
  if (err.status === 401 || err.status === 403) {
    const name = familiarString({ ...ref, tag: undefined, digest: undefined });
    return new WharfError('forbidden', `pull access denied for ${name}, repository does not exist or may require 'docker login': ${err.message}`);
  }
  return new WharfError('internal', `${err.message}`);
}

export interface PullResult {
  id: string;
  digest: string;
  /** True when the tag pointed at another image (or none) before: "Downloaded newer image". */
  changed: boolean;
}

/**
 * Pulls an image into the store: layers in parallel (verified against their digest by the content
 * store as they are written, resumed after dropped connections, skipped when already present),
 * then config and manifest, then the tag. Nothing is recorded for a layer that failed verification.
 */
export async function pullImage(store: ImageStore, resolved: ResolvedPull, opts: PullOptions = {}): Promise<PullResult> {
  return store.writing(() => pullInto(store, resolved, opts));
}

async function pullInto(store: ImageStore, { ref, client, digest, manifest }: ResolvedPull, opts: PullOptions): Promise<PullResult> {
  const emit: ProgressSink = opts.onProgress ?? (() => {});
  const repo = ref.path;
  const m = parseImageManifest(manifest.bytes);
  for (const l of m.layers) {
    if (!isLayerType(l.mediaType)) throw new WharfError('invalid-parameter', `unsupported media type ${l.mediaType} for layer ${l.digest}`);
  }
  emit({ status: `Pulling from ${repo}`, id: ref.digest ?? ref.tag });
  const config = await fetchConfig(client, repo, m.config, opts.signal);
  const cfg = JSON.parse(config.toString('utf8')) as ImageConfigFile;
  const diffIds = cfg.rootfs?.diff_ids ?? [];
  if (diffIds.length !== m.layers.length) throw new WharfError('invalid-parameter', `image config lists ${diffIds.length} layers but the manifest has ${m.layers.length}`);

  const layers: Descriptor[] = m.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size }));
  const seen = new Set<string>();
  const todo: Descriptor[] = [];
  for (const l of layers) {
    if (seen.has(l.digest)) continue;
    seen.add(l.digest);
    if (layerForBlob(store, l.digest) && (await store.content.has(l.digest))) emit({ status: 'Already exists', progressDetail: {}, id: shortId(l.digest) });
    else {
      emit({ status: 'Pulling fs layer', progressDetail: {}, id: shortId(l.digest) });
      todo.push(l);
    }
  }
  for (const l of todo.slice(opts.concurrency ?? 3)) emit({ status: 'Waiting', progressDetail: {}, id: shortId(l.digest) });
  await eachLimited(todo, opts.concurrency ?? 3, (l) => downloadLayer(store, client, repo, l, emit, opts.signal));

  // Every layer's diffID must match the config's (the uncompressed content is what runs).
  for (let i = 0; i < layers.length; i++) {
    const rec = layerForBlob(store, layers[i].digest);
    if (rec?.diffId !== diffIds[i]) {
      throw new WharfError('invalid-parameter', `layer ${layers[i].digest}: diffID ${rec?.diffId} does not match the image config's ${diffIds[i]}`);
    }
  }
  const id = await addPulledImage(store, { config, manifest: manifest.bytes, manifestDigest: manifest.digest, layers });
  await store.addRepoDigest(refString({ ...ref, tag: undefined, digest: undefined }), digest, id);
  const before = ref.tag && !ref.digest ? await setTag(store, ref, id) : undefined;
  emit({ status: `Digest: ${digest}` });
  const changed = ref.digest ? todo.length > 0 : before !== id;
  emit({ status: `Status: ${changed ? 'Downloaded newer image' : 'Image is up to date'} for ${familiarString(ref)}` });
  return { id, digest, changed };
}

async function fetchConfig(client: RegistryClient, repo: string, desc: { digest: string; size: number }, signal?: AbortSignal): Promise<Buffer> {
  const res = await client.request({ method: 'GET', path: `/v2/${repo}/blobs/${desc.digest}`, scopes: [repoScope(repo, ['pull'])], signal });
  if (res.statusCode !== 200) throw await registryError(res);
  const bytes = await readBody(res, Math.max(desc.size, 0) + 1);
  if (bytes.length !== desc.size || sha256(bytes) !== desc.digest) throw new WharfError('invalid-parameter', `image config verification failed for digest ${desc.digest}`);
  return bytes;
}

async function downloadLayer(store: ImageStore, client: RegistryClient, repo: string, desc: Descriptor, emit: ProgressSink, signal?: AbortSignal): Promise<void> {
  const id = shortId(desc.digest);
  if (!(await store.content.has(desc.digest))) {
    let last = 0;
    const onBytes = (current: number) => {
      const now = Date.now();
      if (now - last < 100 && current < desc.size) return;
      last = now;
      emit({ status: 'Downloading', progressDetail: { current, total: desc.size }, id });
    };
    const scanner = new LayerScanner();
    async function* teed(): AsyncGenerator<Buffer> {
      for await (const c of fetchBlob(client, repo, desc, { onBytes, signal })) {
        await scanner.push(c);
        yield c;
      }
    }
    try {
      await store.content.write(Readable.from(teed()), { digest: desc.digest, size: desc.size });
    } catch (err) {
      scanner.abort();
      const msg = err instanceof Error ? err.message : String(err);
      if (/digest mismatch|size mismatch/.test(msg)) throw new WharfError('invalid-parameter', `filesystem layer verification failed for digest ${desc.digest}`);
      throw err;
    }
    emit({ status: 'Verifying Checksum', progressDetail: {}, id });
    emit({ status: 'Download complete', progressDetail: {}, id });
    // The scan is trusted only now that the content store has verified the bytes it saw.
    const scan = await scanner.finish();
    if (scan) {
      await recordScannedLayer(store, desc, scan);
      emit({ status: 'Pull complete', progressDetail: {}, id });
      return;
    }
  }
  await recordLayerBlob(store, desc);
  emit({ status: 'Pull complete', progressDetail: {}, id });
}



/**
 * Resolve and pull in one call, for callers without a progress stream to open in between
 * (a build's FROM, `run --pull`): `name` is any reference a user may type ("busybox", "h:5000/a/b@sha256:…").
 */
export async function pullByName(store: ImageStore, name: string, opts: PullOptions = {}): Promise<PullResult> {
  return pullImage(store, await resolvePull(parseNormalizedNamed(name), opts), opts);
}
