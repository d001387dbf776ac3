import { API_VERSION, MIN_API_VERSION } from './api-version.js';
import type { ApiContext } from './context.js';
import { sendJson } from './respond.js';
import type { ApiRouter } from './router.js';

/** `/_ping`, `/version`, `/info`, `/system/df`. */
export function registerSystemRoutes(router: ApiRouter): void {
  router.on(['GET', 'HEAD'], '/_ping', ping);
  router.on('GET', '/version', version);
  router.on('GET', '/info', info);
  router.on('GET', '/system/df', systemDf);
}

/** The negotiation answer: clients pick min(their max, Api-Version) from these headers. */
async function ping(ctx: ApiContext): Promise<void> {
  const body = ctx.req.method === 'HEAD' ? '' : 'OK';
  ctx.res.writeHead(200, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-cache, no-store, must-revalidate',
    Pragma: 'no-cache',
    'Docker-Experimental': 'false',
    'Builder-Version': '1',
    Swarm: 'inactive',
  });
  ctx.res.end(body);
}

async function version(ctx: ApiContext): Promise<void> {
  const v = await ctx.engine.system.version();
  // The API layer owns the versions it speaks; the engine reports everything else.
  const apiVersions = { ApiVersion: API_VERSION, MinAPIVersion: MIN_API_VERSION };
  const components = Array.isArray(v.Components)
    ? v.Components.map((c: Record<string, any>) => (c?.Name === 'Engine' ? { ...c, Details: { ...(c.Details ?? {}), ...apiVersions } } : c))
    : v.Components;
  sendJson(ctx, 200, { ...v, ...apiVersions, Components: components });
}

async function info(ctx: ApiContext): Promise<void> {
  sendJson(ctx, 200, await ctx.engine.system.info());
}

async function systemDf(ctx: ApiContext): Promise<void> {
  sendJson(ctx, 200, await ctx.engine.system.df());
}
