import type { Descriptor } from '../../images/types.js';
import { repoScope } from './auth.js';
import { registryError, type RegistryClient } from './registry-client.js';

export interface BlobFetchOptions {
  /** Called as bytes arrive, with the running total. */
  onBytes?: (current: number) => void;
  signal?: AbortSignal;
  /** Reconnects allowed after a dropped connection (each resumes with Range). */
  maxResumes?: number;
}

/**
 * Streams a blob, resuming with `Range: bytes=N-` when the connection drops or ends early, and
 * refusing more bytes than the descriptor's size. The digest is checked by whoever consumes the
 * stream (the content store, which stores nothing unless it matches).
 */
export async function* fetchBlob(client: RegistryClient, repo: string, desc: Descriptor, opts: BlobFetchOptions = {}): AsyncGenerator<Buffer> {
  const max = opts.maxResumes ?? 5;
  let offset = 0;
  let resumes = 0;
  for (;;) {
    const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
    let skip = 0;
    let failure: unknown;
    try {
      const res = await client.request({ method: 'GET', path: `/v2/${repo}/blobs/${desc.digest}`, scopes: [repoScope(repo, ['pull'])], headers, signal: opts.signal, timeoutMs: 60_000 });
      if (res.statusCode === 200 && offset > 0) skip = offset; // Range ignored: drop what we already have.
      else if (!(res.statusCode === 200 || (res.statusCode === 206 && offset > 0))) {
        const err = await registryError(res);
        throw Object.assign(err, { fatal: true });
      }
      for await (const chunk of res as AsyncIterable<Buffer>) {
        let c = chunk;
        if (skip > 0) {
          const n = Math.min(skip, c.length);
          skip -= n;
          c = c.subarray(n);
          if (c.length === 0) continue;
        }
        offset += c.length;
        if (offset > desc.size) throw Object.assign(new Error(`blob ${desc.digest} is larger than its descriptor's ${desc.size} bytes`), { fatal: true });
        yield c;
        opts.onBytes?.(offset);
      }
    } catch (err) {
      if ((err as { fatal?: boolean }).fatal || opts.signal?.aborted) throw err;
      failure = err;
    }
    if (offset === desc.size) return;
    if (resumes++ >= max) {
      const why = failure instanceof Error ? failure.message : 'unexpected EOF';
      throw new Error(`failed to download blob ${desc.digest} after ${offset} of ${desc.size} bytes: ${why}`);
    }
    await new Promise((r) => setTimeout(r, 100 * resumes));
  }
}
