/**
 * Resource requests: one handler per verb, each only translating HTTP to the generic
 * machinery (ResourceStore, patcher, list/watch) and back.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiVersionOf } from '../apimachinery/kind.js';
import { listResource, listResourceRaw, watchResource, type WatchOutEvent } from '../apimachinery/list-watch.js';
import { isPlainObject, type KObject } from '../apimachinery/object.js';
import { patchResource } from '../apimachinery/patcher.js';
import type { DeleteOptions, ResourceStore } from '../apimachinery/resource-store.js';
import { ApiError, badRequest, methodNotAllowed, successStatus } from '../apimachinery/status.js';
import { toTable, wantedRepresentation, type IncludeObject } from '../apimachinery/table.js';
import { decodeObject, readBody, readRaw, sendJson } from './http-util.js';
import type { ResourceRequest } from './request-info.js';
import { boolParam, intParam, writeContext } from './query.js';
import { bindPod, patchScale, toScale, updateScale } from './subresources.js';

export interface HandlerOptions {
  bookmarkIntervalMs: number;
  /** Called with every open watch's stop function so the server can end them on shutdown. */
  trackWatch(stop: () => void): () => void;
}


function respondObject(req: IncomingMessage, res: ServerResponse, rs: ResourceStore, code: number, obj: KObject, warnings: string[] = [], q?: URLSearchParams): void {
  if (warnings.length) res.setHeader('Warning', warnings.map((w) => `299 - ${JSON.stringify(w)}`));
  if (wantedRepresentation(req.headers.accept) === 'Table' && obj.kind === rs.kind.kind) {
    sendJson(res, code, toTable(rs.kind, [obj], { resourceVersion: obj.metadata.resourceVersion }, includeObject(q)));
    return;
  }
  sendJson(res, code, obj);
}

const includeObject = (q?: URLSearchParams): IncludeObject => (q?.get('includeObject') as IncludeObject | null) ?? 'Metadata';

function deleteOptions(q: URLSearchParams, body: unknown): DeleteOptions {
  const b = isPlainObject(body) ? body : {};
  const policy = (q.get('propagationPolicy') ?? b.propagationPolicy ?? (b.orphanDependents === true || q.get('orphanDependents') === 'true' ? 'Orphan' : undefined)) as DeleteOptions['propagationPolicy'];
  if (policy && !['Orphan', 'Background', 'Foreground'].includes(policy))
    throw badRequest(`DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`);
  const grace = intParam(q, 'gracePeriodSeconds') ?? (typeof b.gracePeriodSeconds === 'number' ? b.gracePeriodSeconds : undefined);
  const dry = q.getAll('dryRun').length > 0 || (Array.isArray(b.dryRun) && b.dryRun.includes('All'));
  return { propagationPolicy: policy, gracePeriodSeconds: grace, preconditions: isPlainObject(b.preconditions) ? (b.preconditions as DeleteOptions['preconditions']) : undefined, dryRun: dry };
}

export async function handleResource(req: IncomingMessage, res: ServerResponse, rs: ResourceStore, r: ResourceRequest, url: URL, opts: HandlerOptions): Promise<void> {
  const q = url.searchParams;
  const method = req.method ?? 'GET';
  const ns = rs.kind.namespaced ? r.namespace : undefined;
  if (!rs.kind.namespaced && r.namespace) throw resourceNotFound();
  if (r.subresource) return handleSubresource(req, res, rs, r, q, ns);
  if (!r.name) {
    if (method === 'GET' && boolParam(q, 'watch')) return serveWatch(req, res, rs, ns, q, opts);
    if (method === 'GET') return serveList(req, res, rs, ns, q);
    if (method === 'POST') {
      if (rs.kind.namespaced && !ns) throw methodNotAllowed();
      const ctx = writeContext(q, req.headers['user-agent']);
      const obj = await rs.create(ns, decodeObject(req.headers['content-type'], await readRaw(req)), ctx);
      return respondObject(req, res, rs, 201, obj, ctx.warnings, q);
    }
    if (method === 'DELETE') {
      const body = await readBody(req);
      const dopts = deleteOptions(q, body.trim() ? decodeObject(req.headers['content-type'], body) : undefined);
      const list = await listResource(rs, ns, { labelSelector: q.get('labelSelector') ?? undefined, fieldSelector: q.get('fieldSelector') ?? undefined });
      const items: KObject[] = [];
      for (const o of list.items) {
        try {
          items.push((await rs.delete(o.metadata.namespace, o.metadata.name!, dopts)).object);
        } catch (err) {
          if (!(isPlainObject(err) && (err as { code?: number }).code === 404)) throw err;
        }
      }
      return sendJson(res, 200, { kind: rs.kind.listKind ?? `${rs.kind.kind}List`, apiVersion: apiVersionOf(rs.kind), metadata: { resourceVersion: list.resourceVersion }, items });
    }
    throw methodNotAllowed();
  }
  const name = r.name;
  switch (method) {
    case 'GET':
      return respondObject(req, res, rs, 200, await rs.get(ns, name), [], q);
    case 'PUT': {
      const ctx = writeContext(q, req.headers['user-agent']);
      const obj = await rs.update(ns, name, decodeObject(req.headers['content-type'], await readRaw(req)), ctx);
      return respondObject(req, res, rs, 200, obj, ctx.warnings, q);
    }
    case 'PATCH': {
      const ctx = writeContext(q, req.headers['user-agent']);
      const result = await patchResource(rs, ns, name, req.headers['content-type'] ?? '', await readBody(req), ctx, { force: boolParam(q, 'force') });
      return respondObject(req, res, rs, result.created ? 201 : 200, result.object, ctx.warnings, q);
    }
    case 'DELETE': {
      const body = await readBody(req);
      const dopts = deleteOptions(q, body.trim() ? decodeObject(req.headers['content-type'], body) : undefined);
      const result = await rs.delete(ns, name, dopts);
      return respondObject(req, res, rs, result.deleted ? 200 : 202, result.object, [], q);
    }
    default:
      throw methodNotAllowed();
  }
}

async function serveList(req: IncomingMessage, res: ServerResponse, rs: ResourceStore, ns: string | undefined, q: URLSearchParams): Promise<void> {
  const rep0 = wantedRepresentation(req.headers.accept);
  if (rep0 === 'json' && !q.get('labelSelector') && !q.get('fieldSelector')) {
    const raw = await listResourceRaw(rs, ns, { limit: intParam(q, 'limit'), continue: q.get('continue') ?? undefined });
    const meta = JSON.stringify(raw.continue ? { resourceVersion: raw.resourceVersion, continue: raw.continue } : { resourceVersion: raw.resourceVersion });
    const head = `{"kind":${JSON.stringify(rs.kind.listKind ?? `${rs.kind.kind}List`)},"apiVersion":${JSON.stringify(apiVersionOf(rs.kind))},"metadata":${meta},"items":[`;
    const body = head + raw.items.join(',') + ']}';
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  const list = await listResource(rs, ns, {
    labelSelector: q.get('labelSelector') ?? undefined,
    fieldSelector: q.get('fieldSelector') ?? undefined,
    limit: intParam(q, 'limit'),
    continue: q.get('continue') ?? undefined,
    resourceVersion: q.get('resourceVersion') ?? undefined,
  });
  const meta: { resourceVersion: string; continue?: string } = { resourceVersion: list.resourceVersion };
  if (list.continue) meta.continue = list.continue;
  const rep = wantedRepresentation(req.headers.accept);
  if (rep === 'Table') return sendJson(res, 200, toTable(rs.kind, list.items, meta, includeObject(q)));
  if (rep === 'PartialObjectMetadataList')
    return sendJson(res, 200, { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: meta, items: list.items.map((o) => ({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata })) });
  sendJson(res, 200, { kind: rs.kind.listKind ?? `${rs.kind.kind}List`, apiVersion: apiVersionOf(rs.kind), metadata: meta, items: list.items });
}

async function serveWatch(req: IncomingMessage, res: ServerResponse, rs: ResourceStore, ns: string | undefined, q: URLSearchParams, opts: HandlerOptions): Promise<void> {
  const asTable = wantedRepresentation(req.headers.accept) === 'Table';
  const include = includeObject(q);
  let headersSent = false;
  const start = (): void => {
    if (headersSent) return;
    headersSent = true;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
  };
  let done = false;
  let untrack = (): void => undefined;
  let stop = (): void => undefined;
  const finish = (): void => {
    if (done) return;
    done = true;
    stop();
    untrack();
    clearTimeout(timer);
    start();
    res.end();
  };
  let corked = false;
  const send = (ev: WatchOutEvent): void => {
    if (done) return;
    start();
    let line: string;
    if (asTable && (ev.type === 'ADDED' || ev.type === 'MODIFIED' || ev.type === 'DELETED'))
      line = JSON.stringify({ type: ev.type, object: toTable(rs.kind, [ev.object as KObject], { resourceVersion: (ev.object as KObject).metadata.resourceVersion }, include) }) + '\n';
    else line = encodeEvent(ev);
    // Events of one burst leave in one TLS write.
    if (!corked) {
      corked = true;
      res.cork();
      setImmediate(() => {
        corked = false;
        res.uncork();
      });
    }
    res.write(line);
  };
  const timeoutSec = intParam(q, 'timeoutSeconds') ?? 1800;
  const timer = setTimeout(finish, timeoutSec * 1000);
  res.on('close', finish);
  stop = await watchResource(
    rs,
    ns,
    {
      labelSelector: q.get('labelSelector') ?? undefined,
      fieldSelector: q.get('fieldSelector') ?? undefined,
      resourceVersion: q.get('resourceVersion') ?? undefined,
      allowWatchBookmarks: boolParam(q, 'allowWatchBookmarks'),
      sendInitialEvents: q.has('sendInitialEvents') ? boolParam(q, 'sendInitialEvents') : undefined,
      bookmarkIntervalMs: opts.bookmarkIntervalMs,
    },
    { send, end: finish },
  );
  if (done) stop();
  untrack = opts.trackWatch(finish);
  start();
}

async function handleSubresource(req: IncomingMessage, res: ServerResponse, rs: ResourceStore, r: ResourceRequest, q: URLSearchParams, ns: string | undefined): Promise<void> {
  const method = req.method ?? 'GET';
  const name = r.name!;
  const sub = r.subresource!;
  if (sub === 'status' && rs.kind.status) {
    if (method === 'GET') return respondObject(req, res, rs, 200, await rs.get(ns, name), [], q);
    const ctx = writeContext(q, req.headers['user-agent']);
    if (method === 'PUT') return respondObject(req, res, rs, 200, await rs.update(ns, name, decodeObject(req.headers['content-type'], await readRaw(req)), ctx, { subresource: 'status' }), ctx.warnings);
    if (method === 'PATCH') {
      const result = await patchResource(rs, ns, name, req.headers['content-type'] ?? '', await readBody(req), ctx, { force: boolParam(q, 'force'), subresource: 'status' });
      return respondObject(req, res, rs, 200, result.object, ctx.warnings);
    }
    throw methodNotAllowed();
  }
  if (sub === 'finalize' && rs.kind.kind === 'Namespace' && method === 'PUT') {
    const ctx = writeContext(q, req.headers['user-agent']);
    const body = decodeObject(req.headers['content-type'], await readRaw(req)) as KObject;
    const cur = await rs.get(ns, name);
    const next = { ...cur, spec: { ...(cur.spec as object), finalizers: (body.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [] } };
    return respondObject(req, res, rs, 200, await rs.write(cur, next, ctx));
  }
  if (sub === 'scale' && rs.kind.scale) {
    const ctx = writeContext(q, req.headers['user-agent']);
    if (method === 'GET') return sendJson(res, 200, toScale(rs, await rs.get(ns, name)));
    if (method === 'PUT') return sendJson(res, 200, await updateScale(rs, ns, name, decodeObject(req.headers['content-type'], await readRaw(req)), ctx));
    if (method === 'PATCH') return sendJson(res, 200, await patchScale(rs, ns, name, req.headers['content-type'] ?? '', await readBody(req), ctx));
    throw methodNotAllowed();
  }
  if (sub === 'binding' && rs.kind.kind === 'Pod' && method === 'POST') {
    await bindPod(rs, ns, name, decodeObject(req.headers['content-type'], await readRaw(req)), writeContext(q, req.headers['user-agent']));
    return sendJson(res, 201, successStatus());
  }
  const declared = rs.kind.extraSubresources?.find((s) => s.name === sub);
  if (declared) {
    // Served by the node agent in a later stage; until a pod is on a node there is nothing to reach.
    const o = await rs.get(ns, name);
    if (rs.kind.kind === 'Pod' && !(o.spec as { nodeName?: string } | undefined)?.nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
    throw Object.assign(badRequest(`the ${sub} subresource of ${rs.kind.plural} is not served by this server yet`), {});
  }
  throw resourceNotFound();
}


/** Kubernetes' answer for a path that names no served resource. */
export const resourceNotFound = (): ApiError => new ApiError(404, 'NotFound', 'the server could not find the requested resource', { causes: [{ reason: 'UnexpectedServerResponse', message: '404 page not found' }] });

/** The JSON line of an event, encoded once however many watchers send it. */
const encoded = new WeakMap<object, Map<string, string>>();
function encodeEvent(ev: WatchOutEvent): string {
  let byType = encoded.get(ev.object);
  if (!byType) encoded.set(ev.object, (byType = new Map()));
  let line = byType.get(ev.type);
  if (line === undefined) byType.set(ev.type, (line = JSON.stringify({ type: ev.type, object: ev.object }) + '\n'));
  return line;
}
