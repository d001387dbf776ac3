import type { IncomingMessage, ServerResponse } from 'node:http';
import { RegistryError } from '../errors.js';
import { assertName } from '../grammar.js';
import { deleteBlob, getBlob } from './blobs.js';
import type { RegistryServices, RequestContext } from './context.js';
import { deleteManifest, getManifest, putManifest } from './manifests.js';
import { listCatalog, listReferrers, listTags, versionCheck } from './listings.js';
import { matchRoute, type Route } from './router.js';
import { cancelUpload, finishUpload, patchUpload, startUpload, uploadStatus } from './uploads.js';

type Handler = (ctx: RequestContext, route: Route) => Promise<void>;

/** Endpoint × method → handler; a method missing here is 405 UNSUPPORTED. */
const TABLE: Record<Route['kind'], Record<string, Handler>> = {
  base: { GET: (c) => versionCheck(c), HEAD: (c) => versionCheck(c) },
  catalog: { GET: (c) => listCatalog(c) },
  tags: { GET: (c, r) => listTags(c, name(r)) },
  manifest: {
    GET: (c, r) => getManifest(c, name(r), (r as { reference: string }).reference),
    HEAD: (c, r) => getManifest(c, name(r), (r as { reference: string }).reference),
    PUT: (c, r) => putManifest(c, name(r), (r as { reference: string }).reference),
    DELETE: (c, r) => deleteManifest(c, name(r), (r as { reference: string }).reference),
  },
  blob: {
    GET: (c, r) => getBlob(c, name(r), (r as { digest: string }).digest),
    HEAD: (c, r) => getBlob(c, name(r), (r as { digest: string }).digest),
    DELETE: (c, r) => deleteBlob(c, name(r), (r as { digest: string }).digest),
  },
  uploads: { POST: (c, r) => startUpload(c, name(r)) },
  upload: {
    GET: (c, r) => uploadStatus(c, name(r), (r as { uuid: string }).uuid),
    PATCH: (c, r) => patchUpload(c, name(r), (r as { uuid: string }).uuid),
    PUT: (c, r) => finishUpload(c, name(r), (r as { uuid: string }).uuid),
    DELETE: (c, r) => cancelUpload(c, name(r), (r as { uuid: string }).uuid),
  },
  referrers: { GET: (c, r) => listReferrers(c, name(r), (r as { digest: string }).digest) },
};

function name(r: Route): string {
  return (r as { name: string }).name;
}

/** The registry's request listener: route, check the name, run the handler, map errors once. */
export function createRegistryHandler(
  services: RegistryServices,
  log: (msg: string) => void = () => {},
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    res.setHeader('docker-distribution-api-version', 'registry/2.0');
    handle(services, req, res).catch((err: unknown) => {
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
  const handler = TABLE[route.kind][req.method ?? ''];
  if (!handler) throw new RegistryError('UNSUPPORTED', { message: `${req.method} is not supported on this endpoint` });
  await handler({ req, res, url, services }, route);
}
