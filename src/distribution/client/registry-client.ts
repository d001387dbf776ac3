import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { WharfError, unauthorized } from '../../common/errors.js';
import { AuthSession, type Credentials } from './auth.js';
import { resolveEndpoint, type RegistryEndpoint, type RegistryHostsOptions } from './hosts.js';
import { httpRequest, readBody } from './transport.js';

export interface ClientRequest {
  method: string;
  /** Path and query under the registry base, e.g. "/v2/library/busybox/manifests/latest", or an absolute URL. */
  path: string;
  scopes: string[];
  headers?: Record<string, string>;
  /** A body factory: called again when the request is retried after a 401. */
  body?: () => Buffer | Readable;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** A registry's spec error envelope, kept for Docker-style messages. */
export class RegistryError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(detail ? `${code.toLowerCase().replace(/_/g, ' ')}: ${detail}` : code);
  }
}

/**
 * One registry as seen by a client: picks the scheme (https, then http for loopback and insecure
 * hosts), authenticates (anonymous, basic, bearer tokens from WWW-Authenticate) and retries once
 * with fresh credentials after a 401.
 */
export class RegistryClient {
  readonly endpoint: RegistryEndpoint;
  private readonly auth: AuthSession;
  private base?: URL;

  constructor(domain: string, opts: { creds?: Credentials; hosts?: RegistryHostsOptions } = {}) {
    this.endpoint = resolveEndpoint(domain, opts.hosts);
    this.auth = new AuthSession(opts.creds, this.endpoint.tls);
  }

  /** The base URL in use (after the first request chose one). */
  async baseUrl(signal?: AbortSignal): Promise<URL> {
    if (this.base) return this.base;
    let lastErr: unknown;
    for (const b of this.endpoint.bases) {
      try {
        const res = await httpRequest(new URL('/v2/', b), { method: 'GET', tls: this.endpoint.tls, signal, timeoutMs: 15_000 });
        res.resume();
        this.base = b;
        return b;
      } catch (err) {
        lastErr = err;
        // A server that speaks TLS with a certificate we cannot trust is not silently downgraded to HTTP.
        if (isCertificateError(err)) break;
      }
    }
    const msg = lastErr instanceof Error ? lastErr.message : String(lastErr);
    throw new WharfError('internal', `Get "${new URL('/v2/', this.endpoint.bases[0]).href}": ${msg}`);
  }

  /** Sends a request with authorisation; after a 401 learns the challenge and retries once. */
  async request(r: ClientRequest): Promise<IncomingMessage> {
    const base = await this.baseUrl(r.signal);
    const url = /^https?:/.test(r.path) ? new URL(r.path) : new URL(r.path, base);
    for (let attempt = 0; ; attempt++) {
      const headers = { ...r.headers };
      const authz = this.auth.headerFor(r.scopes);
      // Credentials go only to the registry itself (a redirect to blob storage gets none).
      if (authz && url.host === base.host) headers.authorization = authz;
      const res = await httpRequest(url, { method: r.method, headers, body: r.body?.(), tls: this.endpoint.tls, signal: r.signal, timeoutMs: r.timeoutMs ?? 60_000 });
      if (res.statusCode === 401 && attempt === 0) {
        res.resume();
        if (await this.auth.onUnauthorized(res.headers['www-authenticate'] as string | undefined, r.scopes, r.signal)) continue;
        return res;
      }
      if ((res.statusCode === 307 || res.statusCode === 302 || res.statusCode === 301) && res.headers.location && attempt < 5) {
        res.resume();
        return this.request({ ...r, path: new URL(res.headers.location, url).href });
      }
      return res;
    }
  }

  /** Checks credentials as `docker login` does: GET /v2/ must answer 200 once authorised. */
  async login(): Promise<void> {
    const res = await this.request({ method: 'GET', path: '/v2/', scopes: [] });
    res.resume();
    if (res.statusCode === 200) return;
    const url = new URL('/v2/', await this.baseUrl()).href;
    if (res.statusCode === 401) throw unauthorized(`login attempt to ${url} failed with status: 401 Unauthorized`);
    throw new WharfError('internal', `login attempt to ${url} failed with status: ${res.statusCode} ${res.statusMessage ?? ''}`.trim());
  }
}

const CERT_ERRORS = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_UNTRUSTED', 'CERT_SIGNATURE_FAILURE',
]);

function isCertificateError(err: unknown): boolean {
  return CERT_ERRORS.has(String((err as { code?: unknown }).code));
}

/** Reads a spec error body into a RegistryError (or a plain status error). */
export async function registryError(res: IncomingMessage): Promise<RegistryError> {
  const body = await readBody(res, 64 * 1024).catch(() => Buffer.alloc(0));
  try {
    const json = JSON.parse(body.toString('utf8')) as { errors?: Array<{ code?: string; message?: string }> };
    const e = json.errors?.[0];
    if (e?.code) return new RegistryError(res.statusCode ?? 0, e.code, e.message ?? '');
  } catch {
    // Not a spec envelope.
  }
  const code = res.statusCode === 401 ? 'UNAUTHORIZED' : res.statusCode === 404 ? 'NOT_FOUND' : `HTTP_${res.statusCode}`;
  return new RegistryError(res.statusCode ?? 0, code, res.statusMessage ?? '');
}
