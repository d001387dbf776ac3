import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';

/** TLS material for one registry host (from certs.d): extra CAs and an optional client pair. */
export interface TlsMaterial {
  ca?: string[];
  cert?: string;
  key?: string;
}

export interface HttpRequestOptions {
  method: string;
  headers?: Record<string, string>;
  /** A Buffer, or a stream (sent chunked unless content-length is set). */
  body?: Buffer | Readable;
  tls?: TlsMaterial;
  signal?: AbortSignal;
  /** Connect/idle timeout; a stalled transfer is treated as a dropped connection. */
  timeoutMs?: number;
}

// Keep-alive agents: parallel layer downloads reuse a few connections per registry.
const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });
const httpsAgents = new Map<string, https.Agent>();

function agentFor(url: URL, tls?: TlsMaterial): http.Agent {
  if (url.protocol === 'http:') return httpAgent;
  const key = JSON.stringify(tls ?? {});
  let a = httpsAgents.get(key);
  if (!a) {
    // Setting `ca` replaces Node's trust store, so system and bundled roots are kept beside the registry's own.
    const ca = tls?.ca?.length ? [...systemRoots(), ...tls.ca] : undefined;
    a = new https.Agent({ keepAlive: true, maxSockets: 16, ca, cert: tls?.cert, key: tls?.key });
    httpsAgents.set(key, a);
  }
  return a;
}

let roots: string[] | undefined;
/** Node's bundled roots plus the system bundle (Debian's ca-certificates), read once. */
function systemRoots(): string[] {
  if (!roots) {
    roots = [...rootCertificates];
    try {
      roots.push(readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8'));
    } catch {
      // No system bundle: Node's roots only.
    }
  }
  return roots;
}

/** One HTTP(S) request; resolves with the response head (the body is left to the caller). */
export function httpRequest(url: URL, opts: HttpRequestOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const headers: Record<string, string> = { 'user-agent': 'wharf/1.0', ...opts.headers };
    if (Buffer.isBuffer(opts.body)) headers['content-length'] = String(opts.body.length);
    const req = mod.request(url, { method: opts.method, headers, agent: agentFor(url, opts.tls), signal: opts.signal }, (res) => {
      if (opts.timeoutMs) res.setTimeout(opts.timeoutMs, () => res.destroy(new Error('connection timed out while reading')));
      resolve(res);
    });
    if (opts.timeoutMs) req.setTimeout(opts.timeoutMs, () => req.destroy(new Error(`${opts.method} ${url.href}: timed out`)));
    req.on('error', reject);
    if (opts.body === undefined) req.end();
    else if (Buffer.isBuffer(opts.body)) req.end(opts.body);
    else {
      opts.body.on('error', (e) => req.destroy(e));
      opts.body.pipe(req);
    }
  });
}

/** Reads a response body (small bodies: JSON, manifests), refusing more than `limit` bytes. */
export async function readBody(res: IncomingMessage, limit = 8 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res) {
    n += (c as Buffer).length;
    if (n > limit) {
      res.destroy();
      throw new Error(`response body larger than ${limit} bytes`);
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}
