import { registryError } from './errors.js';
import { parseDigest, type ParsedDigest } from './grammar.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';

const IMAGE_MANIFESTS = new Set([OCI_MANIFEST, DOCKER_MANIFEST]);
const INDEXES = new Set([OCI_INDEX, DOCKER_MANIFEST_LIST]);

/** Largest manifest accepted (the spec's recommended floor for what registries must take). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** What the registry needs to know about a manifest it stores. */
export interface ManifestFacts {
  mediaType: string;
  /** Blobs an image manifest names (config and layers, minus foreign layers): must exist. */
  blobs: ParsedDigest[];
  /** Manifests an index names: must exist in the repository. */
  children: ParsedDigest[];
  subject?: ParsedDigest;
  /** The artifact type the referrers API lists it under. */
  artifactType?: string;
  annotations?: Record<string, string>;
}

interface RawDescriptor {
  mediaType?: unknown;
  digest?: unknown;
  size?: unknown;
  urls?: unknown;
}

/** The media type named by a Content-Type header, without parameters. */
export function bareMediaType(contentType: string | undefined): string | undefined {
  const t = contentType?.split(';')[0].trim().toLowerCase();
  return t ? t : undefined;
}

/**
 * Parses and checks a manifest body. Throws MANIFEST_INVALID for anything that is not a
 * well-formed OCI or Docker schema 2 manifest or index (including unknown media types and a
 * Content-Type that contradicts the body's own mediaType).
 */
export function parseManifest(body: Buffer, contentType?: string): ManifestFacts {
  const invalid = (why: string) => registryError('MANIFEST_INVALID', `manifest invalid: ${why}`);
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw invalid('not valid JSON');
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw invalid('not a JSON object');
  if (doc.schemaVersion !== 2) throw invalid('schemaVersion must be 2');
  const declared = typeof doc.mediaType === 'string' ? doc.mediaType : undefined;
  const header = bareMediaType(contentType);
  const headerUseful = header && header !== 'application/json' && header !== 'application/octet-stream';
  if (headerUseful && declared && header !== declared) {
    throw invalid(`Content-Type ${header} does not match the manifest's mediaType ${declared}`);
  }
  const mediaType = (headerUseful ? header : undefined) ?? declared ?? (Array.isArray(doc.manifests) ? OCI_INDEX : OCI_MANIFEST);
  const facts: ManifestFacts = { mediaType, blobs: [], children: [] };

  if (IMAGE_MANIFESTS.has(mediaType)) {
    const config = descriptor(doc.config, 'config', invalid);
    if (!Array.isArray(doc.layers)) throw invalid('layers must be an array');
    facts.blobs.push(config.digest);
    for (const [i, layer] of (doc.layers as unknown[]).entries()) {
      const l = descriptor(layer, `layers[${i}]`, invalid);
      // Foreign layers are fetched from their URLs, not from this registry.
      if (!l.foreign) facts.blobs.push(l.digest);
    }
    facts.artifactType = typeof doc.artifactType === 'string' ? doc.artifactType : config.mediaType;
  } else if (INDEXES.has(mediaType)) {
    if (!Array.isArray(doc.manifests)) throw invalid('manifests must be an array');
    for (const [i, m] of (doc.manifests as unknown[]).entries()) {
      facts.children.push(descriptor(m, `manifests[${i}]`, invalid).digest);
    }
    if (typeof doc.artifactType === 'string') facts.artifactType = doc.artifactType;
  } else {
    throw invalid(`unsupported manifest media type ${mediaType}`);
  }
  if (doc.subject !== undefined) facts.subject = descriptor(doc.subject, 'subject', invalid).digest;
  if (doc.annotations && typeof doc.annotations === 'object' && !Array.isArray(doc.annotations)) {
    facts.annotations = doc.annotations as Record<string, string>;
  }
  return facts;
}

function descriptor(
  value: unknown,
  where: string,
  invalid: (why: string) => Error,
): { digest: ParsedDigest; mediaType: string; foreign: boolean } {
  if (!value || typeof value !== 'object') throw invalid(`${where} must be a descriptor`);
  const v = value as RawDescriptor;
  const digest = typeof v.digest === 'string' ? parseDigest(v.digest) : undefined;
  if (!digest) throw invalid(`${where} has an invalid digest`);
  if (typeof v.size !== 'number' || !Number.isSafeInteger(v.size) || v.size < 0) {
    throw invalid(`${where} has an invalid size`);
  }
  if (typeof v.mediaType !== 'string' || v.mediaType === '') throw invalid(`${where} has no mediaType`);
  const foreign = Array.isArray(v.urls) && v.urls.length > 0;
  return { digest, mediaType: v.mediaType, foreign };
}
