/**
 * A minimal Docker Engine API client over a unix socket or TCP (optionally TLS): one
 * HEAD /_ping to negotiate the API version, keep-alive JSON requests, raw streams, and
 * hijacked connections (`Upgrade: tcp`, 101) for attach/exec/start.
 */
import * as http from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import type { Socket } from 'node:net';
import { ApiError, ConnectError } from '../cli-error.js';
import type { Endpoint } from './endpoint.js';

/** The newest API version this client speaks; it uses min(this, the daemon's). */
export const CLIENT_API_VERSION = '1.47';

export type Query = Record<string, string | number | boolean | string[] | undefined | null>;

export interface RequestOptions {
  query?: Query;
  /** A JSON value, a Buffer, or a stream to send as the body. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Raw body without Content-Type: application/json. */
  raw?: boolean;
  signal?: AbortSignal;
}

export interface Hijacked {
  socket: Socket;
  /** Bytes that arrived with the 101 response, before the socket was handed over. */
  head: Buffer;
  contentType: string;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export class ApiClient {
  version = CLIENT_API_VERSION;
  serverHeaders: http.IncomingHttpHeaders = {};
  private readonly agent: http.Agent;
  private transport: typeof http | undefined;

  constructor(readonly endpoint: Endpoint) {
    this.agent = new http.Agent({ keepAlive: true });
  }

  private async mod(): Promise<typeof http> {
    if (!this.transport) {
      if (this.endpoint.tls) await this.addExtraCaCerts(this.endpoint.tls);
      this.transport = this.endpoint.tls ? ((await import('node:https')) as unknown as typeof http) : http;
    }
    return this.transport;
  }

  /**
   * bin/wharf starts client commands without NODE_EXTRA_CA_CERTS (Node 20 would spend
   * ~60 ms loading it at start-up) and puts the variable back in process.env. When no CA
   * file is named, the default store is what verifies the daemon: add those certificates
   * here, as Node itself would have.
   */
  private async addExtraCaCerts(tls: NonNullable<Endpoint['tls']>): Promise<void> {
    const file = process.env.NODE_EXTRA_CA_CERTS;
    if (tls.ca || !tls.rejectUnauthorized || !file) return;
    const [{ rootCertificates }, { readFile }] = await Promise.all([import('node:tls'), import('node:fs/promises')]);
    const extra = await readFile(file, 'utf8').catch(() => undefined);
    if (extra) tls.ca = [...rootCertificates, extra];
  }

  private baseOptions(agent: http.Agent | false): http.RequestOptions {
    const ep = this.endpoint;
    const base: http.RequestOptions & Record<string, unknown> = { agent, headers: { Host: 'api.moby.localhost' } };
    // servername '' spares the agent deriving a TLS server name from the Host header: its
    // IP check compiles a large regular expression (~8 ms of a CLI run); a socket has no TLS.
    if (ep.socketPath) Object.assign(base, { socketPath: ep.socketPath, servername: '' });
    else {
      base.host = ep.hostname;
      base.port = ep.port;
      base.headers = {};
    }
    if (ep.tls) {
      Object.assign(base, ep.tls);
      if (agent) base.agent = undefined; // https needs its own agent type; the global one keeps alive well enough
    }
    return base;
  }

  /** HEAD /_ping and settle the API version (min of ours and the daemon's). */
  async negotiate(): Promise<void> {
    const res = await this.send('HEAD', '/_ping', {}, false);
    res.resume();
    if (res.statusCode !== 200 && res.statusCode !== 500) {
      const again = await this.send('GET', '/_ping', {}, false);
      again.resume();
      this.serverHeaders = again.headers;
    } else this.serverHeaders = res.headers;
    const server = this.serverHeaders['api-version'];
    const sv = typeof server === 'string' && server ? server : '1.24';
    this.version = compareVersions(sv, CLIENT_API_VERSION) < 0 ? sv : CLIENT_API_VERSION;
  }

  versionAtLeast(v: string): boolean {
    return compareVersions(this.version, v) >= 0;
  }

  private url(path: string, query?: Query, versioned = true): string {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v === undefined || v === null || v === false) continue;
      if (Array.isArray(v)) for (const x of v) qs.append(k, x);
      else qs.append(k, v === true ? '1' : String(v));
    }
    const q = qs.toString();
    return `${versioned ? `/v${this.version}` : ''}${path}${q ? `?${q}` : ''}`;
  }

  private connectError(err: NodeJS.ErrnoException): Error {
    const where = this.endpoint.url;
    if (err.code === 'EACCES') {
      return new ConnectError(`permission denied while trying to connect to the Wharf daemon socket at ${where}: ${err.message}`, 1);
    }
    if (['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EHOSTUNREACH', 'ENOTFOUND', 'ETIMEDOUT', 'ENOTSOCK'].includes(err.code ?? '')) {
      return new ConnectError(
        `Cannot connect to the Wharf daemon at ${where}. Is the wharf daemon running?\n` +
          'Start one with `wharf daemon` (or scripts/up.sh), or point -H / WHARF_HOST / DOCKER_HOST at a running daemon.',
        1,
      );
    }
    return new ConnectError(`error during connect: ${err.message}`, 1);
  }

  /** Sends a request; resolves with the response whatever its status. */
  async send(method: string, path: string, opts: RequestOptions = {}, versioned = true): Promise<http.IncomingMessage> {
    const mod = await this.mod();
    return new Promise((resolve, reject) => {
      const base = this.baseOptions(this.agent);
      const headers: Record<string, string> = { ...(base.headers as Record<string, string>), ...opts.headers };
      let payload: Buffer | Readable | undefined;
      if (opts.body !== undefined) {
        if (Buffer.isBuffer(opts.body)) payload = opts.body;
        else if (opts.body && typeof (opts.body as Readable).pipe === 'function') payload = opts.body as Readable;
        else {
          payload = Buffer.from(JSON.stringify(opts.body));
          headers['Content-Type'] ??= 'application/json';
        }
      }
      if (Buffer.isBuffer(payload)) headers['Content-Length'] = String(payload.length);
      const req = mod.request({ ...base, method, path: this.url(path, opts.query, versioned), headers, signal: opts.signal }, resolve);
      req.on('error', (err: NodeJS.ErrnoException) => reject(err.name === 'AbortError' ? err : this.connectError(err)));
      if (payload && !Buffer.isBuffer(payload)) payload.pipe(req);
      else req.end(payload);
    });
  }

  /** Sends a request and throws ApiError unless the status is 2xx (or 304). */
  async call(method: string, path: string, opts: RequestOptions = {}): Promise<http.IncomingMessage> {
    const res = await this.send(method, path, opts);
    if ((res.statusCode ?? 500) >= 400) throw await errorFrom(res);
    return res;
  }

  async json<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.call(method, path, opts);
    const text = (await readAll(res)).toString('utf8');
    return (text.trim() ? JSON.parse(text) : undefined) as T;
  }

  /** The raw JSON bytes of a GET (inspect keeps the daemon's key order and number text). */
  async rawJson(path: string, query?: Query): Promise<Buffer> {
    return readAll(await this.call('GET', path, { query }));
  }

  /** A request answered with 101 Switching Protocols; gives the raw socket. */
  async hijack(path: string, opts: RequestOptions = {}): Promise<Hijacked> {
    const mod = await this.mod();
    return new Promise((resolve, reject) => {
      const base = this.baseOptions(false);
      const headers: Record<string, string> = { ...(base.headers as Record<string, string>), Connection: 'Upgrade', Upgrade: 'tcp' };
      let payload: Buffer | undefined;
      if (opts.body !== undefined) {
        payload = Buffer.from(JSON.stringify(opts.body));
        headers['Content-Type'] = 'application/json';
        headers['Content-Length'] = String(payload.length);
      }
      const req = mod.request({ ...base, method: 'POST', path: this.url(path, opts.query), headers });
      req.on('upgrade', (res, socket: Duplex, head) => {
        resolve({ socket: socket as Socket, head, contentType: String(res.headers['content-type'] ?? '') });
      });
      req.on('response', (res) => {
        if ((res.statusCode ?? 500) >= 400) errorFrom(res).then(reject, reject);
        else {
          res.resume();
          reject(new ApiError(res.statusCode ?? 500, 'unable to upgrade to tcp, received ' + String(res.statusCode)));
        }
      });
      req.on('error', (err: NodeJS.ErrnoException) => reject(this.connectError(err)));
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export function readAll(stream: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** Turns an error response into ApiError with the daemon's message. */
export async function errorFrom(res: http.IncomingMessage): Promise<ApiError> {
  const body = (await readAll(res)).toString('utf8');
  let message = body.trim();
  try {
    const parsed = JSON.parse(body) as { message?: string };
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    // plain-text error body: use as is
  }
  if (!message) message = `${res.statusCode} ${res.statusMessage ?? ''}`.trim();
  return new ApiError(res.statusCode ?? 500, message);
}

/** Reads the lines of a newline-delimited JSON stream (progress, events, stats). */
export async function* jsonLineTexts(stream: Readable): AsyncGenerator<string> {
  let buf = '';
  for await (const chunk of stream) {
    buf += (chunk as Buffer).toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) yield line;
    }
  }
  if (buf.trim()) yield buf.trim();
}

/** Parsed values of a newline-delimited JSON stream. */
export async function* jsonLines(stream: Readable): AsyncGenerator<Record<string, unknown>> {
  for await (const line of jsonLineTexts(stream)) yield JSON.parse(line) as Record<string, unknown>;
}
