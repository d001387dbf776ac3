import { createHash } from 'node:crypto';
import { registryError } from '../errors.js';
import { isValidTag, looksLikeDigest, parseDigest, requireDigest, type ParsedDigest } from '../grammar.js';
import { MAX_MANIFEST_BYTES, parseManifest } from '../manifest.js';
import { authorizeRepo, readBody, send, type RequestContext } from './context.js';

/**
 * How long a manifest PUT may take between claiming its blobs and committing. gc keeps blobs
 * claimed within a longer window than this, so a manifest it did not see while marking can
 * only name blobs it will not sweep (see BlobStore).
 */
export const MANIFEST_COMMIT_LIMIT_MS = 60_000;

/** The manifest digest a tag or digest reference names in `name`, with its media type. */
async function resolve(ctx: RequestContext, name: string, reference: string): Promise<{ d: ParsedDigest; mediaType: string }> {
  const { repos } = ctx.services;
  const unknown = () => registryError('MANIFEST_UNKNOWN', 'manifest unknown', { name, reference });
  let d: ParsedDigest | undefined;
  if (looksLikeDigest(reference)) d = requireDigest(reference);
  else if (isValidTag(reference)) d = await repos.resolveTag(name, reference);
  if (d) {
    const mediaType = await repos.revisionMediaType(name, d);
    if (mediaType !== undefined) return { d, mediaType };
  }
  // Docker's registry says MANIFEST_UNKNOWN here even when the repository itself is unknown.
  throw unknown();
}

/** GET and HEAD /v2/<name>/manifests/<reference>. */
export async function getManifest(ctx: RequestContext, name: string, reference: string): Promise<void> {
  await authorizeRepo(ctx, name, ['pull']);
  const { d, mediaType } = await resolve(ctx, name, reference);
  const body = await ctx.services.blobs.readBytes(d);
  if (!body) throw registryError('MANIFEST_UNKNOWN', 'manifest unknown', { name, reference });
  const headers = {
    'content-type': mediaType,
    'docker-content-digest': d.digest,
    etag: `"${d.digest}"`,
    'content-length': body.length,
  };
  send(ctx.res, 200, headers, ctx.req.method === 'HEAD' ? undefined : body);
}

/** PUT /v2/<name>/manifests/<reference>: validate, check every named blob, store, tag. */
export async function putManifest(ctx: RequestContext, name: string, reference: string): Promise<void> {
  await authorizeRepo(ctx, name, ['pull', 'push']);
  const byDigest = looksLikeDigest(reference) ? requireDigest(reference) : undefined;
  if (!byDigest && !isValidTag(reference)) throw registryError('TAG_INVALID', 'invalid tag', { tag: reference });
  const body = await readBody(ctx.req, MAX_MANIFEST_BYTES);
  const facts = parseManifest(body, ctx.req.headers['content-type']);
  const algorithm = byDigest?.algorithm ?? 'sha256';
  const d = parseDigest(`${algorithm}:${createHash(algorithm).update(body).digest('hex')}`)!;
  if (byDigest && byDigest.hex !== d.hex) {
    throw registryError('DIGEST_INVALID', 'manifest digest did not match the reference', { expected: byDigest.digest, actual: d.digest });
  }

  const { blobs, repos } = ctx.services;
  const started = Date.now();
  const missing: string[] = [];
  for (const b of facts.blobs) {
    const present = (await repos.hasLayer(name, b)) || (await repos.revisionMediaType(name, b)) !== undefined;
    if (!present || (await blobs.claim(b)) === undefined) missing.push(b.digest);
  }
  for (const c of facts.children) {
    if ((await repos.revisionMediaType(name, c)) === undefined || (await blobs.claim(c)) === undefined) missing.push(c.digest);
  }
  if (missing.length > 0) {
    throw registryError('MANIFEST_BLOB_UNKNOWN', `manifest references unknown blobs: ${missing.join(', ')}`, { digests: missing });
  }
  await blobs.writeBytes(d, body);
  if (Date.now() - started > MANIFEST_COMMIT_LIMIT_MS) {
    throw registryError('UNKNOWN', 'manifest commit took too long; push it again');
  }
  await repos.linkRevision(name, d, facts.mediaType);
  if (!byDigest) await repos.setTag(name, reference, d);
  const headers: Record<string, string> = { location: `/v2/${name}/manifests/${d.digest}`, 'docker-content-digest': d.digest };
  if (facts.subject) {
    await repos.addReferrer(name, facts.subject, d, {
      mediaType: facts.mediaType,
      digest: d.digest,
      size: body.length,
      ...(facts.artifactType ? { artifactType: facts.artifactType } : {}),
      ...(facts.annotations ? { annotations: facts.annotations } : {}),
    });
    headers['oci-subject'] = facts.subject.digest;
  }
  send(ctx.res, 201, headers);
}

/** DELETE by digest (the manifest, its tags and its referrer entry) or by tag (just the tag). */
export async function deleteManifest(ctx: RequestContext, name: string, reference: string): Promise<void> {
  await authorizeRepo(ctx, name, ['delete']);
  const { repos, blobs } = ctx.services;
  if (!looksLikeDigest(reference)) {
    if (!isValidTag(reference)) throw registryError('TAG_INVALID', 'invalid tag', { tag: reference });
    if (!(await repos.deleteTag(name, reference))) throw registryError('MANIFEST_UNKNOWN', 'manifest unknown', { name, reference });
    send(ctx.res, 202);
    return;
  }
  const { d } = await resolve(ctx, name, reference);
  const body = await blobs.readBytes(d);
  if (body) {
    try {
      const subject = parseManifest(body).subject;
      if (subject) await repos.removeReferrer(name, subject, d);
    } catch {
      // A stored manifest always parsed once; if it no longer does there is no referrer entry to drop.
    }
  }
  await repos.untagDigest(name, d);
  await repos.unlinkRevision(name, d);
  send(ctx.res, 202);
}
