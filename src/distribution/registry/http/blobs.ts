import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { RegistryError, registryError } from '../errors.js';
import { requireDigest, type ParsedDigest } from '../grammar.js';
import { isMissing } from '../storage/blob-store.js';
import { authorizeRepo, send, type RequestContext } from './context.js';

/** Read size for blob streams: large enough for few syscalls, small enough for many pullers at once. */
const READ_CHUNK = 256 * 1024;

/** Is `d` a blob (or manifest) the repository may serve? */
export async function repoHasBlob(ctx: RequestContext, name: string, d: ParsedDigest): Promise<boolean> {
  const { repos } = ctx.services;
  return (await repos.hasLayer(name, d)) || (await repos.revisionMediaType(name, d)) !== undefined;
}

/** GET and HEAD /v2/<name>/blobs/<digest>, with single-range requests answered 206. */
export async function getBlob(ctx: RequestContext, name: string, digestText: string): Promise<void> {
  await authorizeRepo(ctx, name, ['pull']);
  const d = requireDigest(digestText);
  const unknown = () => registryError('BLOB_UNKNOWN', 'blob unknown to registry', { digest: d.digest });
  if (!(await repoHasBlob(ctx, name, d))) throw unknown();
  // Open first, then size: a gc that removes the path afterwards cannot cut the answer short.
  let fh;
  try {
    fh = await open(ctx.services.blobs.path(d), 'r');
  } catch (err) {
    if (isMissing(err)) throw unknown();
    throw err;
  }
  try {
    const size = (await fh.stat()).size;
    const headers: Record<string, string | number> = {
      'content-type': 'application/octet-stream',
      'docker-content-digest': d.digest,
      etag: `"${d.digest}"`,
      'accept-ranges': 'bytes',
      'cache-control': 'max-age=31536000',
    };
    let start = 0;
    let end = size - 1;
    let status = 200;
    const range = parseRange(ctx.req.headers.range, size);
    if (range === 'unsatisfiable') {
      throw new RegistryError('RANGE_INVALID', {
        message: 'requested range not satisfiable',
        headers: { 'content-range': `bytes */${size}` },
      });
    }
    if (range) {
      [start, end] = range;
      status = 206;
      headers['content-range'] = `bytes ${start}-${end}/${size}`;
    }
    headers['content-length'] = size === 0 ? 0 : end - start + 1;
    if (ctx.req.method === 'HEAD' || size === 0) {
      send(ctx.res, status, headers);
      return;
    }
    for (const [k, v] of Object.entries(headers)) ctx.res.setHeader(k, v);
    ctx.res.writeHead(status);
    const stream = createReadStream("", { fd: fh.fd, start, end, highWaterMark: READ_CHUNK, autoClose: false });
    await pipeline(stream, ctx.res).catch((err: unknown) => {
      // The client going away mid-download is routine; anything else ends the response.
      if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') ctx.res.destroy();
    });
  } finally {
    await fh.close();
  }
}

/** DELETE /v2/<name>/blobs/<digest>: unlinks the blob from the repository (gc reclaims it). */
export async function deleteBlob(ctx: RequestContext, name: string, digestText: string): Promise<void> {
  await authorizeRepo(ctx, name, ['delete']);
  const d = requireDigest(digestText);
  if (!(await ctx.services.repos.unlinkLayer(name, d))) {
    throw registryError('BLOB_UNKNOWN', 'blob unknown to registry', { digest: d.digest });
  }
  send(ctx.res, 202, { 'docker-content-digest': d.digest });
}

/**
 * A `Range: bytes=...` header against a blob of `size` bytes: the inclusive byte span, undefined
 * to serve the whole blob (no header, or several ranges), or 'unsatisfiable'.
 */
export function parseRange(header: string | undefined, size: number): [number, number] | undefined | 'unsatisfiable' {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return header.includes(',') || !header.startsWith('bytes=') ? undefined : 'unsatisfiable';
  if (m[1] === '' && m[2] === '') return 'unsatisfiable';
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return [start, end];
}
