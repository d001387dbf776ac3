/**
 * The API server: HTTPS, authentication, non-resource endpoints (version, health, metrics,
 * discovery, OpenAPI) and resource routing to the generic handlers.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, forbidden, notFound, unauthorized } from '../apimachinery/status.js';
import type { Store } from '../storage/store.js';
import { ApiRegistry } from './api-registry.js';
import { Authenticator, type User } from './auth.js';
import type { ClusterPki } from './certs.js';
import { aggregatedDiscovery, AGGREGATED_CONTENT_TYPE, apiGroup, apiGroupList, apiResourceList, apiVersions, wantsAggregated } from './discovery.js';
import { sendError, sendJson, sendText } from './http-util.js';
import { Metrics } from './metrics.js';
import { openApiV2Doc, openApiV3Index, v3Entry, type OpenApiCache } from './openapi.js';
import { parseResourcePath } from './request-info.js';
import { handleResource, resourceNotFound } from './resource-handlers.js';

export const SERVER_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.4+wharf', gitCommit: '0000000000000000000000000000000000000000', gitTreeState: 'clean', buildDate: '2026-01-01T00:00:00Z', goVersion: 'go1.23.8', compiler: 'gc', platform: 'linux/amd64' };

export interface ApiServerOptions {
  store: Store;
  pki: ClusterPki;
  port: number;
  bindAddress: string;
  /** Bearer tokens accepted, each mapped to its user. */
  tokens: Record<string, User>;
  /** How often watches that asked for bookmarks get one (default 30 s). */
  bookmarkIntervalMs?: number;
}

/** Paths anyone may read without credentials, as Kubernetes' public-info-viewer role allows. */
const PUBLIC = /^\/(version|healthz|livez|readyz)(\/.*)?$/;

export class ApiServer {
  readonly registry: ApiRegistry;
  readonly metrics = new Metrics();
  private readonly auth: Authenticator;
  private readonly openapi: OpenApiCache = { generation: 0, v3: new Map() };
  private readonly watches = new Set<() => void>();
  private server?: Server;
  private address = '';

  constructor(private readonly opts: ApiServerOptions) {
    this.auth = new Authenticator(opts.tokens);
    this.registry = new ApiRegistry(opts.store, { checkNamespaceWritable: (ns) => this.checkNamespaceWritable(ns) });
  }

  private async checkNamespaceWritable(ns: string): Promise<void> {
    const nsStore = this.registry.lookup('', 'v1', 'namespaces')!;
    const o = await nsStore.tryGet(undefined, ns);
    if (!o) throw notFound({ group: '', resource: 'namespaces' }, ns);
    if (o.metadata.deletionTimestamp) throw forbidden({ group: '', resource: 'namespaces' }, ns, `unable to create new content in namespace ${ns} because it is being terminated`);
  }

  /** Starts serving; resolves with the bound port. */
  async start(): Promise<number> {
    await this.registry.startCrdSync();
    const server = createServer(
      { cert: this.opts.pki.serving.cert, key: this.opts.pki.serving.key, ca: this.opts.pki.ca.cert, requestCert: true, rejectUnauthorized: false },
      (req, res) => void this.handle(req, res),
    );
    server.keepAliveTimeout = 65_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.bindAddress, () => resolve());
    });
    const addr = server.address() as AddressInfo;
    const host = this.opts.bindAddress === '0.0.0.0' || this.opts.bindAddress === '::' ? '127.0.0.1' : this.opts.bindAddress;
    this.address = `${host.includes(':') ? `[${host}]` : host}:${addr.port}`;
    return addr.port;
  }

  async stop(): Promise<void> {
    for (const w of [...this.watches]) w();
    this.registry.stop();
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const done = this.metrics.begin();
    const url = new URL(req.url ?? '/', 'https://server');
    let verb = (req.method ?? 'GET').toUpperCase();
    let resource = '';
    let code = 200;
    try {
      const user = this.auth.authenticate(req);
      if (user === null || (user === undefined && !PUBLIC.test(url.pathname))) throw unauthorized();
      const r = parseResourcePath(url.pathname);
      if (r && r.resource) {
        const rs = this.registry.lookup(r.group, r.version, r.resource);
        if (!rs) throw resourceNotFound();
        resource = r.resource;
        if (verb === 'GET' && url.searchParams.get('watch') && url.searchParams.get('watch') !== 'false' && url.searchParams.get('watch') !== '0') verb = 'WATCH';
        if (verb === 'WATCH') this.metrics.watchers++;
        try {
          await handleResource(req, res, rs, r, url, {
            bookmarkIntervalMs: this.opts.bookmarkIntervalMs ?? 30_000,
            trackWatch: (stop) => {
              this.watches.add(stop);
              return () => this.watches.delete(stop);
            },
          });
        } finally {
          if (verb === 'WATCH') this.metrics.watchers--;
        }
        code = res.statusCode;
      } else code = await this.handleNonResource(req, res, url);
    } catch (err) {
      if (!(err instanceof ApiError)) process.stderr.write(`wharf server: ${req.method} ${url.pathname}: ${(err as Error)?.stack ?? String(err)}\n`);
      code = sendError(res, err);
    } finally {
      done();
      if (verb !== 'WATCH') this.metrics.observe(verb, resource, code, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  private async handleNonResource(req: IncomingMessage, res: ServerResponse, url: URL): Promise<number> {
    const p = url.pathname.replace(/\/+$/, '') || '/';
    const accept = req.headers.accept;
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    if (p === '/version') {
      sendJson(res, 200, SERVER_VERSION, { 'Cache-Control': 'no-cache, private' });
      return 200;
    }
    if (/^\/(healthz|livez|readyz)(\/.*)?$/.test(p)) return this.health(res, p, url.searchParams.has('verbose'));
    if (p === '/metrics') {
      sendText(res, 200, this.metrics.render({ wharf_store_revision: await this.opts.store.currentRevision() }), 'text/plain; version=0.0.4; charset=utf-8');
      return 200;
    }
    if (p === '/api') {
      if (wantsAggregated(accept)) return this.aggregated(res, true);
      sendJson(res, 200, apiVersions(this.address), { 'Cache-Control': 'no-cache, private' });
      return 200;
    }
    if (p === '/apis') {
      if (wantsAggregated(accept)) return this.aggregated(res, false);
      sendJson(res, 200, apiGroupList(this.registry), { 'Cache-Control': 'no-cache, private' });
      return 200;
    }
    const gv = /^\/(?:api\/([^/]+)|apis\/([^/]+)(?:\/([^/]+))?)$/.exec(p);
    if (gv) {
      const doc = gv[1] ? apiResourceList(this.registry, '', gv[1]) : gv[3] ? apiResourceList(this.registry, gv[2], gv[3]) : apiGroup(this.registry, gv[2]);
      if (!doc) throw resourceNotFound();
      sendJson(res, 200, doc);
      return 200;
    }
    if (p === '/openapi/v2') {
      sendText(res, 200, openApiV2Doc(this.registry, this.openapi), 'application/json');
      return 200;
    }
    if (p === '/openapi/v3') {
      sendJson(res, 200, openApiV3Index(this.registry, this.openapi));
      return 200;
    }
    const oa = /^\/openapi\/v3\/(?:api\/([^/]+)|apis\/([^/]+)\/([^/]+))$/.exec(p);
    if (oa) {
      const [group, version] = oa[1] ? ['', oa[1]] : [oa[2], oa[3]];
      if (this.registry.resourcesOf(group, version).length === 0) throw resourceNotFound();
      const e = v3Entry(this.registry, this.openapi, group, version);
      const hashed = url.searchParams.get('hash') === e.hash;
      sendText(res, 200, e.doc, 'application/json', { 'Cache-Control': hashed ? 'public, immutable' : 'no-cache, private', Etag: `"${e.hash}"` });
      return 200;
    }
    throw resourceNotFound();
  }

  private aggregated(res: ServerResponse, core: boolean): number {
    const text = JSON.stringify(aggregatedDiscovery(this.registry, core));
    res.writeHead(200, { 'Content-Type': AGGREGATED_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private', Vary: 'Accept' });
    res.end(text);
    return 200;
  }

  private async health(res: ServerResponse, path: string, verbose: boolean): Promise<number> {
    const checks: [string, boolean][] = [['ping', true]];
    let storeOk = true;
    try {
      await Promise.race([this.opts.store.currentRevision(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000))]);
    } catch {
      storeOk = false;
    }
    checks.push(['etcd', storeOk]);
    if (path.startsWith('/readyz')) checks.push(['informer-sync', true]);
    const kind = path.split('/')[1];
    const sub = path.split('/')[2];
    const relevant = sub ? checks.filter(([n]) => n === sub) : checks;
    if (sub && relevant.length === 0) throw resourceNotFound();
    const ok = relevant.every(([, v]) => v);
    const code = ok ? 200 : 500;
    const body = verbose || !ok ? `${relevant.map(([n, v]) => `[${v ? '+' : '-'}]${n} ${v ? 'ok' : 'failed: reason withheld'}`).join('\n')}\n${kind} check ${ok ? 'passed' : 'failed'}\n` : 'ok';
    sendText(res, code, body);
    return code;
  }
}
