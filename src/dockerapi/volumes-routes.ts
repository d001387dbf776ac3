import { invalidParameter, notFound } from '../common/errors.js';
import { readJsonObject } from './body.js';
import type { ApiContext } from './context.js';
import { boolQuery, parseFilters } from './query.js';
import { sendJson, sendStatus } from './respond.js';
import type { ApiRouter } from './router.js';

/** `/volumes`: list, create, inspect, remove, prune. */
export function registerVolumeRoutes(router: ApiRouter): void {
  router.on('GET', '/volumes', list);
  router.on('POST', '/volumes/create', create);
  router.on('POST', '/volumes/prune', prune);
  router.on('GET', '/volumes/:name', inspect);
  router.on('DELETE', '/volumes/:name', remove);
}

function volumes(ctx: ApiContext) {
  if (!ctx.engine.volumes) throw invalidParameter('volumes are not available in this engine');
  return ctx.engine.volumes;
}

async function list(ctx: ApiContext): Promise<void> {
  sendJson(ctx, 200, await volumes(ctx).list(parseFilters(ctx.query.get('filters'))));
}

async function create(ctx: ApiContext): Promise<void> {
  const body = await readJsonObject(ctx);
  sendJson(ctx, 201, await volumes(ctx).create({ Name: body.Name, Driver: body.Driver, DriverOpts: body.DriverOpts ?? undefined, Labels: body.Labels ?? undefined }));
}

async function inspect(ctx: ApiContext): Promise<void> {
  // Without volumes there is no such volume (`docker inspect` then tries the next kind).
  if (!ctx.engine.volumes) throw notFound(`get ${ctx.params.name}: no such volume`);
  sendJson(ctx, 200, await ctx.engine.volumes.inspect(ctx.params.name));
}

async function remove(ctx: ApiContext): Promise<void> {
  await volumes(ctx).remove(ctx.params.name, { force: boolQuery(ctx.query, 'force') });
  sendStatus(ctx, 204);
}

async function prune(ctx: ApiContext): Promise<void> {
  const filters = parseFilters(ctx.query.get('filters'));
  // Before API 1.42, prune removed every unused volume; since then only anonymous ones unless all=true.
  const [maj, min] = ctx.version.split('.').map(Number);
  if ((maj === 1 && min < 42) && !filters.all) filters.all = ['true'];
  sendJson(ctx, 200, await volumes(ctx).prune(filters));
}
