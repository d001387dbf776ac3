import { createHash } from 'node:crypto';
import { WharfError, notFound } from '../../common/errors.js';
import { goArch } from '../../images/chain-id.js';
import { MediaType, isIndexType, isManifestType, type IndexJson, type ManifestJson } from '../../images/media-types.js';
import { repoScope } from './auth.js';
import { RegistryError, registryError, type RegistryClient } from './registry-client.js';
import { readBody } from './transport.js';

export const MANIFEST_ACCEPT = [MediaType.ociIndex, MediaType.ociManifest, MediaType.dockerManifestList, MediaType.dockerManifest].join(', ');

export interface FetchedManifest {
  bytes: Buffer;
  mediaType: string;
  digest: string;
}

export const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/**
 * GETs a manifest by tag or digest. By digest, the bytes must hash to it (Docker refuses
 * otherwise); by tag, the registry's Docker-Content-Digest must match the bytes when given.
 */
export async function fetchManifest(client: RegistryClient, repo: string, reference: string, signal?: AbortSignal): Promise<FetchedManifest> {
  const res = await client.request({ method: 'GET', path: `/v2/${repo}/manifests/${reference}`, scopes: [repoScope(repo, ['pull'])], headers: { accept: MANIFEST_ACCEPT }, signal });
  if (res.statusCode !== 200) throw await registryError(res);
  const bytes = await readBody(res, 4 * 1024 * 1024);
  const digest = sha256(bytes);
  if (reference.startsWith('sha256:') && digest !== reference) {
    throw new WharfError('invalid-parameter', `manifest verification failed for digest ${reference}`);
  }
  const header = res.headers['docker-content-digest'];
  if (!reference.startsWith('sha256:') && typeof header === 'string' && header.startsWith('sha256:') && header !== digest) {
    throw new WharfError('invalid-parameter', `manifest verification failed for digest ${header}`);
  }
  let mediaType: string | undefined;
  try {
    mediaType = (JSON.parse(bytes.toString('utf8')) as { mediaType?: string }).mediaType;
  } catch {
    throw new WharfError('invalid-parameter', 'failed to parse manifest: invalid JSON');
  }
  const ct = String(res.headers['content-type'] ?? '').split(';')[0].trim();
  mediaType ??= ct;
  if (!isIndexType(mediaType) && !isManifestType(mediaType)) {
    throw new WharfError('invalid-parameter', `unsupported manifest media type and no default available: ${mediaType || ct}`);
  }
  return { bytes, mediaType, digest };
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** Parses "--platform os/arch[/variant]"; empty means this host (linux/<go arch>). */
export function parsePlatform(p?: string): Platform {
  if (!p) return { os: 'linux', architecture: goArch(), ...(goArch() === 'arm64' ? { variant: 'v8' } : {}) };
  const [os, architecture, variant] = p.toLowerCase().split('/');
  return { os: os || 'linux', architecture: architecture || goArch(), ...(variant ? { variant } : {}) };
}

export function platformString(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** Picks the index entry for a platform (exact variant first, then any variant of the arch). */
export function selectFromIndex(index: IndexJson, want: Platform): IndexJson['manifests'][number] {
  const usable = index.manifests.filter((m) => isManifestType(m.mediaType) && m.platform);
  const same = usable.filter((m) => m.platform!.os === want.os && m.platform!.architecture === want.architecture);
  const exact = same.find((m) => (m.platform!.variant ?? '') === (want.variant ?? ''));
  const chosen = exact ?? same.find((m) => !want.variant || !m.platform!.variant) ?? same[0];
  if (!chosen) throw notFound(`no matching manifest for ${platformString(want)} in the manifest list entries`);
  return chosen;
}

/** Parses and sanity-checks an image manifest. */
export function parseImageManifest(bytes: Buffer): ManifestJson {
  const m = JSON.parse(bytes.toString('utf8')) as ManifestJson;
  if (m.schemaVersion !== 2 || !m.config?.digest || !Array.isArray(m.layers)) {
    throw new WharfError('invalid-parameter', 'failed to parse manifest: not an image manifest (schemaVersion 2 with config and layers)');
  }
  return m;
}

export { RegistryError };
