import type { IncomingMessage } from 'node:http';
import { Transform, type Readable } from 'node:stream';
import { WharfError } from '../../common/errors.js';
import type { Descriptor } from '../../images/types.js';
import { repoScope } from './auth.js';
import { registryError, type RegistryClient } from './registry-client.js';

export interface UploadOptions {
  /** Opens the blob's bytes (again, when a request is retried). */
  open: (start?: number, end?: number) => Readable;
  /** When set, PATCH chunks of this many bytes, then PUT; otherwise one monolithic PUT. */
  chunkSize?: number;
  onBytes?: (current: number) => void;
  signal?: AbortSignal;
}

export type UploadOutcome = 'exists' | 'mounted' | 'pushed';

/** HEAD: does the repository already hold the blob? */
export async function blobExists(client: RegistryClient, repo: string, digest: string, signal?: AbortSignal): Promise<boolean> {
  const res = await client.request({ method: 'HEAD', path: `/v2/${repo}/blobs/${digest}`, scopes: [repoScope(repo, ['pull', 'push'])], signal });
  res.resume();
  if (res.statusCode === 200) return true;
  if (res.statusCode === 404) return false;
  throw await registryError(res);
}

/**
 * Uploads one blob unless present: HEAD first, then a cross-repository mount when `mountFrom`
 * names a repository on the same registry that holds it, else a monolithic or chunked upload.
 */
export async function uploadBlob(client: RegistryClient, repo: string, desc: Descriptor, mountFrom: string[], opts: UploadOptions): Promise<{ outcome: UploadOutcome; from?: string }> {
  if (await blobExists(client, repo, desc.digest, opts.signal)) return { outcome: 'exists' };
  let session: IncomingMessage | undefined;
  for (const from of mountFrom) {
    const res = await client.request({
      method: 'POST',
      path: `/v2/${repo}/blobs/uploads/?mount=${encodeURIComponent(desc.digest)}&from=${encodeURIComponent(from)}`,
      scopes: [repoScope(repo, ['pull', 'push']), repoScope(from, ['pull'])],
      headers: { 'content-length': '0' },
      signal: opts.signal,
    });
    if (res.statusCode === 201) {
      res.resume();
      return { outcome: 'mounted', from };
    }
    if (res.statusCode === 202) {
      session = res; // The registry opened an ordinary upload instead.
      res.resume();
      break;
    }
    res.resume();
  }
  if (!session) {
    session = await client.request({ method: 'POST', path: `/v2/${repo}/blobs/uploads/`, scopes: [repoScope(repo, ['pull', 'push'])], headers: { 'content-length': '0' }, signal: opts.signal });
    if (session.statusCode !== 202) throw await registryError(session);
    session.resume();
  }
  let location = locationOf(session, await client.baseUrl());
  const scopes = [repoScope(repo, ['pull', 'push'])];
  if (opts.chunkSize && desc.size > 0) {
    for (let start = 0; start < desc.size; start += opts.chunkSize) {
      const end = Math.min(desc.size, start + opts.chunkSize) - 1;
      const res = await client.request({
        method: 'PATCH',
        path: location.href,
        scopes,
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(end - start + 1), 'content-range': `${start}-${end}` },
        body: () => counted(opts.open(start, end), start, opts.onBytes),
        signal: opts.signal,
      });
      if (res.statusCode !== 202) throw await registryError(res);
      res.resume();
      location = locationOf(res, location);
    }
    location.searchParams.set('digest', desc.digest);
    const put = await client.request({ method: 'PUT', path: location.href, scopes, headers: { 'content-length': '0' }, signal: opts.signal });
    if (put.statusCode !== 201) throw await registryError(put);
    put.resume();
  } else {
    location.searchParams.set('digest', desc.digest);
    const put = await client.request({
      method: 'PUT',
      path: location.href,
      scopes,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(desc.size) },
      body: () => counted(opts.open(), 0, opts.onBytes),
      signal: opts.signal,
    });
    if (put.statusCode !== 201) throw await registryError(put);
    put.resume();
  }
  return { outcome: 'pushed' };
}

function locationOf(res: IncomingMessage, base: URL): URL {
  const loc = res.headers.location;
  if (!loc) throw new WharfError('internal', 'registry answered an upload without a Location header');
  return new URL(loc, base);
}

function counted(src: Readable, start: number, onBytes?: (n: number) => void): Readable {
  if (!onBytes) return src;
  let n = start;
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      onBytes(n);
      cb(null, chunk);
    },
  });
  src.on('error', (e) => t.destroy(e));
  return src.pipe(t);
}
