import type { IncomingMessage, ServerResponse } from 'node:http';
import { RegistryError } from '../errors.js';
import { assertName } from '../grammar.js';
import { deleteBlob, getBlob } from './blobs.js';
import type { RegistryServices, RequestContext } from './context.js';
import { deleteManifest, getManifest, putManifest } from './manifests.js';
import { listCatalog, listReferrers, listTags, versionCheck } from './listings.js';
import { matchRoute, type Route } from './router.js';
import { cancelUpload, finishUpload, patchUpload, startUpload, uploadStatus } from './uploads.js';

type Handlers = Record<string, () => Promise<void>>;

/** The handlers of one endpoint, by method; a method missing here is 405 UNSUPPORTED. */
function endpoint(c: RequestContext, r: Route): Handlers {
  switch (r.kind) {
    case 'base':
      return { GET: () => versionCheck(c), HEAD: () => versionCheck(c) };
    case 'catalog':
      return { GET: () => listCatalog(c) };
    case 'tags':
      return { GET: () => listTags(c, r.name) };
    case 'manifest':
      return {
        GET: () => getManifest(c, r.name, r.reference),
        HEAD: () => getManifest(c, r.name, r.reference),
        PUT: () => putManifest(c, r.name, r.reference),
        DELETE: () => deleteManifest(c, r.name, r.reference),
      };
    case 'blob':
      return {
        GET: () => getBlob(c, r.name, r.digest),
        HEAD: () => getBlob(c, r.name, r.digest),
        DELETE: () => deleteBlob(c, r.name, r.digest),
      };
    case 'uploads':
      return { POST: () => startUpload(c, r.name) };
    case 'upload':
      return {
        GET: () => uploadStatus(c, r.name, r.uuid),
        PATCH: () => patchUpload(c, r.name, r.uuid),
        PUT: () => finishUpload(c, r.name, r.uuid),
        DELETE: () => cancelUpload(c, r.name, r.uuid),
      };
    case 'referrers':
      return { GET: () => listReferrers(c, r.name, r.digest) };
  }
}

export interface HandlerOptions {
  log?: (msg: string) => void;
  /** Requests served at once before the rest are told TOOMANYREQUESTS (429); 0 means no limit. */
  maxInflight?: number;
}

/** The registry's request listener: route, check the name, run the handler, map errors once. */
export function createRegistryHandler(
  services: RegistryServices,
  opts: HandlerOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const log = opts.log ?? (() => {});
  const limit = opts.maxInflight ?? 0;
  let inflight = 0;
  return (req, res) => {
    res.setHeader('docker-distribution-api-version', 'registry/2.0');
    let work: Promise<void>;
    if (limit > 0 && inflight >= limit) {
      work = Promise.reject(new RegistryError('TOOMANYREQUESTS', { message: 'too many requests; retry later', headers: { 'retry-after': '1' } }));
    } else {
      inflight++;
      res.once('close', () => inflight--);
      work = handle(services, req, res);
    }
    work.catch((err: unknown) => {
      const e = err instanceof RegistryError ? err : new RegistryError('UNKNOWN', { message: 'internal error' });
      if (!(err instanceof RegistryError)) log(`registry: ${req.method} ${req.url}: ${(err as Error)?.stack ?? String(err)}`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
      const body = req.method === 'HEAD' ? undefined : e.toBody();
      res.setHeader('content-type', 'application/json');
      res.setHeader('content-length', body ? Buffer.byteLength(body) : 0);
      res.writeHead(e.status);
      res.end(body);
    });
  };
}

async function handle(services: RegistryServices, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://registry.invalid');
  const route = matchRoute(url.pathname);
  if (!route) throw new RegistryError('UNSUPPORTED', { status: 404, message: `no such endpoint: ${url.pathname}` });
  if ('name' in route) assertName(route.name);
  const handler = endpoint({ req, res, url, services }, route)[req.method ?? ''];
  if (!handler) throw new RegistryError('UNSUPPORTED', { message: `${req.method} is not supported on this endpoint` });
  await handler();
}
