import { pipeline } from 'node:stream/promises';
import { invalidParameter, notFound, notImplemented } from '../common/errors.js';
import { bodyStream } from './body.js';
import { param, type ApiContext } from './context.js';
import { familiarName, imageHistory, imageInspect, imageSummary } from './image-shapes.js';
import { startJsonLines } from './json-stream.js';
import { boolQuery, parseFilters, strQuery } from './query.js';
import { sendJson, sendStatus } from './respond.js';
import type { ApiRouter } from './router.js';

/**
 * Images. Names may contain slashes (`docker.io/library/busybox:latest`), so per-image
 * routes are wildcards split on their last path segment.
 */
export function registerImageRoutes(router: ApiRouter): void {
  router.on('GET', '/images/json', list);
  router.on('POST', '/images/create', create);
  router.on('POST', '/images/load', load);
  router.on('GET', '/images/get', save);
  router.on('POST', '/images/prune', prune);
  router.on('GET', '/images/search', search);
  router.on('GET', '/images/*', (ctx) => bySuffix(ctx, { json: inspect, history, get: save }));
  router.on('POST', '/images/*', (ctx) => bySuffix(ctx, { tag, push }));
  router.on('DELETE', '/images/*', remove);
}

type ImageHandler = (ctx: ApiContext, name: string) => Promise<void>;

async function bySuffix(ctx: ApiContext, ops: Record<string, ImageHandler>): Promise<void> {
  const rest = param(ctx, '*');
  const slash = rest.lastIndexOf('/');
  const op = slash < 0 ? undefined : ops[rest.slice(slash + 1)];
  if (!op || slash === 0) throw notFound('page not found');
  await op(ctx, rest.slice(0, slash));
}

async function list(ctx: ApiContext): Promise<void> {
  const images = await ctx.engine.images.list({ all: boolQuery(ctx.query, 'all'), filters: parseFilters(ctx.query.get('filters')) });
  sendJson(ctx, 200, images.map((img) => imageSummary(img, ctx.version)));
}

/** `docker pull` (`fromImage`) and `docker import` (`fromSrc=-`, the rootfs tarball as the body). */
async function create(ctx: ApiContext): Promise<void> {
  const q = ctx.query;
  const fromImage = strQuery(q, 'fromImage');
  // The registry client loads on first use (an idle daemon does not carry it).
  if (fromImage) return (await import('./distribution-routes.js')).pullHandler(ctx, fromImage, strQuery(q, 'tag'));
  const fromSrc = strQuery(q, 'fromSrc');
  if (!fromSrc) throw invalidParameter('fromImage or fromSrc is required');
  if (fromSrc !== '-') throw notImplemented('importing from a URL is not supported; send the tarball as the request body with fromSrc=-');
  const repo = strQuery(q, 'repo');
  const tag = strQuery(q, 'tag');
  if (tag && !repo) throw invalidParameter('tag given without a repository');
  const image = await ctx.engine.images.importRootfs(bodyStream(ctx), {
    reference: repo ? (tag ? `${repo}:${tag}` : repo) : undefined,
    changes: q.getAll('changes').filter((c) => c !== ''),
    message: strQuery(q, 'message'),
    platform: strQuery(q, 'platform'),
  });
  const lines = startJsonLines(ctx);
  lines.write({ status: image.id });
  lines.end();
}

async function load(ctx: ApiContext): Promise<void> {
  const result = await ctx.engine.images.load(bodyStream(ctx));
  const lines = startJsonLines(ctx);
  for (const t of result.tags) lines.write({ stream: `Loaded image: ${familiarName(t)}\n` });
  if (result.tags.length === 0) for (const id of result.ids) lines.write({ stream: `Loaded image ID: ${id}\n` });
  lines.end();
}

/** `docker save`: every name is resolved first so a missing one is a 404, not a cut stream. */
async function save(ctx: ApiContext, name?: string): Promise<void> {
  const names = name !== undefined ? [name] : ctx.query.getAll('names').filter((n) => n !== '');
  if (names.length === 0) throw invalidParameter('no image names given');
  for (const n of names) await ctx.engine.images.get(n);
  ctx.res.writeHead(200, { 'Content-Type': 'application/x-tar' });
  await ctx.engine.images.save(names, ctx.res);
  if (!ctx.res.writableEnded) ctx.res.end();
}

async function inspect(ctx: ApiContext, name: string): Promise<void> {
  sendJson(ctx, 200, imageInspect(await ctx.engine.images.get(name), ctx.version));
}

async function history(ctx: ApiContext, name: string): Promise<void> {
  sendJson(ctx, 200, imageHistory(await ctx.engine.images.get(name)));
}

async function tag(ctx: ApiContext, name: string): Promise<void> {
  const repo = strQuery(ctx.query, 'repo');
  if (!repo) throw invalidParameter('repository name must have at least one component');
  const t = strQuery(ctx.query, 'tag');
  await ctx.engine.images.tag(name, t ? `${repo}:${t}` : repo);
  sendStatus(ctx, 201);
}

async function push(ctx: ApiContext, name: string): Promise<void> {
  return (await import('./distribution-routes.js')).pushHandler(ctx, name);
}

async function remove(ctx: ApiContext): Promise<void> {
  const name = param(ctx, '*');
  if (!name) throw notFound('page not found');
  const result = await ctx.engine.images.remove(name, { force: boolQuery(ctx.query, 'force'), noPrune: boolQuery(ctx.query, 'noprune') });
  sendJson(ctx, 200, result.map((r) => (r.Untagged ? { Untagged: familiarName(r.Untagged) } : r)));
}

async function prune(ctx: ApiContext): Promise<void> {
  const filters = parseFilters(ctx.query.get('filters'));
  const all = (filters.dangling ?? []).some((v) => v === 'false' || v === '0');
  const result = await ctx.engine.images.prune({ all, filters });
  sendJson(ctx, 200, { ImagesDeleted: result.deleted.length ? result.deleted : null, SpaceReclaimed: result.spaceReclaimed });
}

async function search(): Promise<void> {
  throw notImplemented('Search is not supported: there is no registry index to search');
}
