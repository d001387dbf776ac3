import { pipeline } from 'node:stream/promises';
import { invalidParameter } from '../common/errors.js';
import type { PathStat } from '../containers/container-service.js';
import { bodyStream } from './body.js';
import { param, type ApiContext } from './context.js';
import { boolQuery } from './query.js';
import { sendJson, sendStatus } from './respond.js';
import type { ApiRouter } from './router.js';

/** Files in a container: `cp` (archive HEAD/GET/PUT), `diff` (changes), `export`. */
export function registerContainerFileRoutes(router: ApiRouter): void {
  router.on('HEAD', '/containers/:id/archive', archiveHead);
  router.on('GET', '/containers/:id/archive', archiveGet);
  router.on('PUT', '/containers/:id/archive', archivePut);
  router.on('GET', '/containers/:id/changes', changes);
  router.on('GET', '/containers/:id/export', exportRootfs);
}

const STAT_HEADER = 'X-Docker-Container-Path-Stat';

/** The header `docker cp` reads: base64 of the stat JSON. */
export function encodePathStat(stat: PathStat): string {
  return Buffer.from(JSON.stringify(stat)).toString('base64');
}

function archivePath(ctx: ApiContext): string {
  const path = ctx.query.get('path');
  if (!path) throw invalidParameter('Path cannot be empty');
  return path;
}

async function archiveHead(ctx: ApiContext): Promise<void> {
  const stat = await ctx.engine.containers.archiveStat(param(ctx, 'id'), archivePath(ctx));
  ctx.res.writeHead(200, { [STAT_HEADER]: encodePathStat(stat), 'Content-Length': 0 });
  ctx.res.end();
}

async function archiveGet(ctx: ApiContext): Promise<void> {
  const { stat, tar } = await ctx.engine.containers.archiveGet(param(ctx, 'id'), archivePath(ctx));
  ctx.res.writeHead(200, { 'Content-Type': 'application/x-tar', [STAT_HEADER]: encodePathStat(stat) });
  await pipeline(tar, ctx.res);
}

async function archivePut(ctx: ApiContext): Promise<void> {
  await ctx.engine.containers.archivePut(param(ctx, 'id'), archivePath(ctx), bodyStream(ctx), {
    noOverwriteDirNonDir: boolQuery(ctx.query, 'noOverwriteDirNonDir'),
    copyUIDGID: boolQuery(ctx.query, 'copyUIDGID'),
  });
  sendStatus(ctx, 200);
}

async function changes(ctx: ApiContext): Promise<void> {
  sendJson(ctx, 200, await ctx.engine.containers.changes(param(ctx, 'id')));
}

async function exportRootfs(ctx: ApiContext): Promise<void> {
  const tar = await ctx.engine.containers.export(param(ctx, 'id'));
  ctx.res.writeHead(200, { 'Content-Type': 'application/x-tar' });
  await pipeline(tar, ctx.res);
}
