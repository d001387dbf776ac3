import { invalidParameter, notFound, notImplemented } from '../common/errors.js';
import type { NetworkService } from '../networks/index.js';
import { readJsonObject } from './body.js';
import { param, type ApiContext } from './context.js';
import { boolQuery, parseFilters } from './query.js';
import { sendJson, sendStatus } from './respond.js';
import type { ApiRouter } from './router.js';

/**
 * `/networks`: list, inspect, create, remove, prune, connect, disconnect. Replaces the
 * `/networks/prune` stub of prune-stubs.ts (find-my-way refuses a route registered twice).
 */
export function registerNetworkRoutes(router: ApiRouter): void {
  router.on('GET', '/networks', list);
  router.on('POST', '/networks/create', create);
  router.on('POST', '/networks/prune', prune);
  router.on('GET', '/networks/:id', inspect);
  router.on('DELETE', '/networks/:id', remove);
  router.on('POST', '/networks/:id/connect', connect);
  router.on('POST', '/networks/:id/disconnect', disconnect);
}

/** The engine's network service (Engine.networks once the engine carries it). */
function networks(ctx: ApiContext): NetworkService {
  const svc = (ctx.engine as unknown as { networks?: NetworkService }).networks;
  if (!svc) throw notImplemented('networks are not available in this engine');
  return svc;
}

async function list(ctx: ApiContext): Promise<void> {
  sendJson(ctx, 200, await networks(ctx).list(parseFilters(ctx.query.get('filters'))));
}

async function inspect(ctx: ApiContext): Promise<void> {
  const svc = (ctx.engine as { networks?: NetworkService }).networks;
  // Without networking there is no such network (`docker inspect` then tries volumes...).
  if (!svc) throw notFound(`network ${param(ctx, 'id')} not found`);
  sendJson(ctx, 200, await svc.inspect(param(ctx, 'id')));
}

async function create(ctx: ApiContext): Promise<void> {
  const body = await readJsonObject(ctx);
  sendJson(ctx, 201, await networks(ctx).create(body));
}

async function remove(ctx: ApiContext): Promise<void> {
  await networks(ctx).remove(param(ctx, 'id'));
  sendStatus(ctx, 204);
}

async function prune(ctx: ApiContext): Promise<void> {
  sendJson(ctx, 200, await networks(ctx).prune(parseFilters(ctx.query.get('filters'))));
}

/** The container named in a connect/disconnect body, resolved to its ID (404 "No such container" otherwise). */
async function containerId(ctx: ApiContext, body: Record<string, any>): Promise<string> {
  const ref = body.Container;
  if (typeof ref !== 'string' || ref === '') throw invalidParameter('container is required');
  return (await ctx.engine.containers.inspect(ref)).Id as string;
}

async function connect(ctx: ApiContext): Promise<void> {
  const body = await readJsonObject(ctx);
  const svc = networks(ctx);
  svc.resolve(param(ctx, 'id')); // an unknown network is a 404 before the container is looked up, as dockerd's
  const id = await containerId(ctx, body);
  const cfg = body.EndpointConfig && typeof body.EndpointConfig === 'object' ? body.EndpointConfig : {};
  await svc.connect(param(ctx, 'id'), id, cfg);
  await ctx.engine.containers.networksChanged?.(id);
  sendStatus(ctx, 200);
}

async function disconnect(ctx: ApiContext): Promise<void> {
  const body = await readJsonObject(ctx);
  const svc = networks(ctx);
  svc.resolve(param(ctx, 'id'));
  const id = await containerId(ctx, body);
  await svc.disconnect(param(ctx, 'id'), id, { force: body.Force === true || boolQuery(ctx.query, 'force') });
  await ctx.engine.containers.networksChanged?.(id);
  sendStatus(ctx, 200);
}
