import { invalidParameter } from '../common/errors.js';
import { readJson, readJsonObject } from './body.js';
import { param, type ApiContext } from './context.js';
import { boolQuery, intQuery, parseFilters, strQuery } from './query.js';
import { sendJson, sendStatus } from './respond.js';
import type { ApiRouter } from './router.js';

/** Container lifecycle and inspection: create, list, inspect, start/stop/…, rm, rename, update, top, resize, prune, commit. */
export function registerContainerRoutes(router: ApiRouter): void {
  router.on('POST', '/containers/create', create);
  router.on('GET', '/containers/json', list);
  router.on('POST', '/containers/prune', prune);
  router.on('GET', '/containers/:id/json', inspect);
  router.on('POST', '/containers/:id/start', start);
  router.on('POST', '/containers/:id/stop', stop);
  router.on('POST', '/containers/:id/restart', restart);
  router.on('POST', '/containers/:id/kill', kill);
  router.on('POST', '/containers/:id/pause', pause);
  router.on('POST', '/containers/:id/unpause', unpause);
  router.on('DELETE', '/containers/:id', remove);
  router.on('POST', '/containers/:id/rename', rename);
  router.on('POST', '/containers/:id/update', update);
  router.on('GET', '/containers/:id/top', top);
  router.on('POST', '/containers/:id/resize', resize);
  router.on('POST', '/commit', commit);
}

async function create(ctx: ApiContext): Promise<void> {
  const body = await readJson(ctx);
  if (body === undefined || body === null) throw invalidParameter('config cannot be empty in order to create a container');
  if (typeof body !== 'object' || Array.isArray(body)) throw invalidParameter('invalid JSON: expected an object');
  const created = await ctx.engine.containers.create(body, { name: strQuery(ctx.query, 'name'), platform: strQuery(ctx.query, 'platform') });
  sendJson(ctx, 201, { Id: created.Id, Warnings: created.Warnings ?? [] });
}

async function list(ctx: ApiContext): Promise<void> {
  const q = ctx.query;
  const containers = await ctx.engine.containers.list({
    all: boolQuery(q, 'all'),
    limit: intQuery(q, 'limit'),
    size: boolQuery(q, 'size'),
    filters: parseFilters(q.get('filters')),
  });
  sendJson(ctx, 200, containers);
}

async function inspect(ctx: ApiContext): Promise<void> {
  sendJson(ctx, 200, await ctx.engine.containers.inspect(param(ctx, 'id'), { size: boolQuery(ctx.query, 'size') }));
}

async function start(ctx: ApiContext): Promise<void> {
  await ctx.engine.containers.start(param(ctx, 'id'));
  sendStatus(ctx, 204);
}

/** `t` is the grace period in seconds (-1 = wait forever); absent means the container's own or 10 s. */
function stopOptions(ctx: ApiContext): { signal?: string; timeout?: number } {
  return { signal: strQuery(ctx.query, 'signal'), timeout: intQuery(ctx.query, 't') };
}

async function stop(ctx: ApiContext): Promise<void> {
  await ctx.engine.containers.stop(param(ctx, 'id'), stopOptions(ctx));
  sendStatus(ctx, 204);
}

async function restart(ctx: ApiContext): Promise<void> {
  await ctx.engine.containers.restart(param(ctx, 'id'), stopOptions(ctx));
  sendStatus(ctx, 204);
}

async function kill(ctx: ApiContext): Promise<void> {
  await ctx.engine.containers.kill(param(ctx, 'id'), strQuery(ctx.query, 'signal'));
  sendStatus(ctx, 204);
}

async function pause(ctx: ApiContext): Promise<void> {
  await ctx.engine.containers.pause(param(ctx, 'id'));
  sendStatus(ctx, 204);
}

async function unpause(ctx: ApiContext): Promise<void> {
  await ctx.engine.containers.unpause(param(ctx, 'id'));
  sendStatus(ctx, 204);
}

async function remove(ctx: ApiContext): Promise<void> {
  const q = ctx.query;
  await ctx.engine.containers.remove(param(ctx, 'id'), { force: boolQuery(q, 'force'), volumes: boolQuery(q, 'v'), link: boolQuery(q, 'link') });
  sendStatus(ctx, 204);
}

async function rename(ctx: ApiContext): Promise<void> {
  const name = strQuery(ctx.query, 'name');
  if (!name) throw invalidParameter('Neither old nor new names may be empty');
  await ctx.engine.containers.rename(param(ctx, 'id'), name);
  sendStatus(ctx, 204);
}

async function update(ctx: ApiContext): Promise<void> {
  const result = await ctx.engine.containers.update(param(ctx, 'id'), await readJsonObject(ctx));
  sendJson(ctx, 200, { Warnings: result.Warnings ?? [] });
}

async function top(ctx: ApiContext): Promise<void> {
  sendJson(ctx, 200, await ctx.engine.containers.top(param(ctx, 'id'), strQuery(ctx.query, 'ps_args')));
}

/** `h`/`w` for containers and execs alike; both must be given, as dockerd requires. */
export function terminalSize(ctx: ApiContext): { height: number; width: number } {
  const height = intQuery(ctx.query, 'h');
  const width = intQuery(ctx.query, 'w');
  if (height === undefined || width === undefined || height < 0 || width < 0) throw invalidParameter('invalid terminal size: h and w must be non-negative integers');
  return { height, width };
}

async function resize(ctx: ApiContext): Promise<void> {
  const { height, width } = terminalSize(ctx);
  await ctx.engine.containers.resize(param(ctx, 'id'), height, width);
  sendStatus(ctx, 200);
}

async function prune(ctx: ApiContext): Promise<void> {
  const result = await ctx.engine.containers.prune(parseFilters(ctx.query.get('filters')));
  sendJson(ctx, 200, result);
}

/** `POST /commit?container=…&repo=…&tag=…&changes=…` with the new image's config as the body. */
async function commit(ctx: ApiContext): Promise<void> {
  const q = ctx.query;
  const container = strQuery(q, 'container');
  if (!container) throw invalidParameter('No container name or ID supplied');
  const config = await readJson(ctx);
  const result = await ctx.engine.containers.commit(container, {
    repo: strQuery(q, 'repo'),
    tag: strQuery(q, 'tag'),
    author: strQuery(q, 'author'),
    comment: strQuery(q, 'comment'),
    changes: q.getAll('changes').filter((c) => c !== ''),
    pause: boolQuery(q, 'pause', true),
    config: config && typeof config === 'object' && !Array.isArray(config) ? config : undefined,
  });
  sendJson(ctx, 201, { Id: result.Id });
}
