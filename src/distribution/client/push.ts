import { createReadStream } from 'node:fs';
import { WharfError, notFound } from '../../common/errors.js';
import { imageForPush, layerForBlob } from '../../images/image-distribution.js';
import type { ImageStore } from '../../images/image-store.js';
import type { Descriptor } from '../../images/types.js';
import { familiarString, parseStored, refString, repoName, type Reference } from '../../reference/reference.js';
import { repoScope, type Credentials } from './auth.js';
import { uploadBlob } from './blob-upload.js';
import type { RegistryHostsOptions } from './hosts.js';
import { eachLimited, shortId, type ProgressSink } from './progress.js';
import { RegistryClient, registryError } from './registry-client.js';
import { byCodeUnit } from '../../common/string-order.js';

export interface PushOptions {
  creds?: Credentials;
  hosts?: RegistryHostsOptions;
  onProgress?: ProgressSink;
  signal?: AbortSignal;
  /** PATCH uploads in chunks of this size (default: one monolithic PUT per blob). */
  chunkSize?: number;
  concurrency?: number;
}

export interface PushResult {
  tag: string;
  digest: string;
  size: number;
}

/** The tags of a repository to push: the one given, or every tag of the repository (docker push -a). */
export function tagsToPush(store: ImageStore, repo: Reference, tag?: string): Reference[] {
  const name = repoName(repo);
  if (tag) {
    const ref = { ...repo, tag, digest: undefined };
    if (!store.tags.get(refString(ref))) throw notFound(`An image does not exist locally with the tag: ${familiarString({ ...repo, tag: undefined, digest: undefined })}`);
    return [ref];
  }
  const refs = store.tags.entries().map(([r]) => parseStored(r)).filter((r) => repoName(r) === name && r.tag && !r.digest);
  if (refs.length === 0) throw notFound(`An image does not exist locally with the tag: ${familiarString({ ...repo, tag: undefined, digest: undefined })}`);
  return refs.sort((a, b) => byCodeUnit(a.tag!, b.tag!));
}

/** Repositories on the same registry that an image holding `digest` was pulled from or pushed to. */
function mountSources(store: ImageStore, target: Reference, digest: string): string[] {
  const out = new Set<string>();
  for (const [full, id] of store.tags.entries()) {
    const r = parseStored(full);
    if (r.domain !== target.domain || r.path === target.path || !r.digest) continue;
    if (store.records.items.get(id)?.layers.some((l) => l.digest === digest)) out.add(r.path);
  }
  return [...out];
}

/**
 * Pushes one tagged image: blobs the registry lacks (HEAD first; mounted across repositories
 * when possible), then the manifest as stored, so the digest is the one the image was pulled as.
 */
export async function pushTag(store: ImageStore, ref: Reference, opts: PushOptions = {}): Promise<PushResult> {
  const emit: ProgressSink = opts.onProgress ?? (() => {});
  const id = store.tags.get(refString(ref));
  if (!id) throw notFound(`An image does not exist locally with the tag: ${familiarString({ ...ref, tag: undefined })}`);
  const img = await imageForPush(store, id);
  const client = new RegistryClient(ref.domain, { creds: opts.creds, hosts: opts.hosts });
  const repo = ref.path;
  const label = (d: Descriptor) => shortId(layerForBlob(store, d.digest)?.diffId ?? d.digest);
  for (const l of img.layers) emit({ status: 'Preparing', progressDetail: {}, id: label(l) });
  const open = (d: Descriptor) => (start?: number, end?: number) => createReadStream(store.content.path(d.digest), { start, end });
  try {
    await eachLimited(img.layers, opts.concurrency ?? 5, async (l) => {
      const id = label(l);
      let last = 0;
      const onBytes = (current: number) => {
        if (Date.now() - last < 100 && current < l.size) return;
        last = Date.now();
        emit({ status: 'Pushing', progressDetail: { current, total: l.size }, id });
      };
      const r = await uploadBlob(client, repo, l, mountSources(store, ref, l.digest), { open: open(l), chunkSize: opts.chunkSize, onBytes, signal: opts.signal });
      if (r.outcome === 'exists') emit({ status: 'Layer already exists', progressDetail: {}, id });
      else if (r.outcome === 'mounted') emit({ status: `Mounted from ${r.from}`, progressDetail: {}, id });
      else emit({ status: 'Pushed', progressDetail: {}, id });
    });
    await uploadBlob(client, repo, img.configDescriptor, [], { open: open(img.configDescriptor), chunkSize: opts.chunkSize, signal: opts.signal });
    const res = await client.request({
      method: 'PUT',
      path: `/v2/${repo}/manifests/${ref.tag}`,
      scopes: [repoScope(repo, ['pull', 'push'])],
      headers: { 'content-type': img.mediaType },
      body: () => img.manifest,
      signal: opts.signal,
    });
    if (res.statusCode !== 201) throw await registryError(res);
    res.resume();
    const sent = res.headers['docker-content-digest'];
    if (typeof sent === 'string' && sent !== img.manifestDigest) throw new WharfError('internal', `registry stored the manifest as ${sent}, expected ${img.manifestDigest}`);
  } catch (err) {
    if (err instanceof Error && 'status' in err && ((err as { status: number }).status === 401 || (err as { status: number }).status === 403)) {
      throw new WharfError('unauthorized', `${err.message}`);
    }
    throw err;
  }
  await store.addRepoDigest(repoName(ref), img.manifestDigest, id);
  emit({ status: `${ref.tag}: digest: ${img.manifestDigest} size: ${img.manifest.length}` });
  emit({ progressDetail: {}, aux: { Tag: ref.tag, Digest: img.manifestDigest, Size: img.manifest.length } });
  return { tag: ref.tag!, digest: img.manifestDigest, size: img.manifest.length };
}

/** `docker push NAME[:TAG]`: "The push refers to repository [...]", then each tag. */
export async function pushRepository(store: ImageStore, repo: Reference, tag: string | undefined, opts: PushOptions = {}): Promise<PushResult[]> {
  const refs = tagsToPush(store, repo, tag);
  opts.onProgress?.({ status: `The push refers to repository [${repoName(repo)}]` });
  const out: PushResult[] = [];
  for (const r of refs) out.push(await pushTag(store, r, opts));
  return out;
}
