import type { Handler } from './context.js';
import type { ApiRouter } from './router.js';

/**
 * Routes whose code loads on first use: the builder and the registry client are large and
 * most daemons never use them, so an idle daemon does not carry them (about 10 MiB each).
 */
function lazy(load: () => Promise<Handler>): Handler {
  let handler: Promise<Handler> | undefined;
  return async (ctx) => (await (handler ??= load()))(ctx);
}

export function registerLazyRoutes(router: ApiRouter): void {
  router.on('POST', '/build', lazy(async () => (await import('./build-routes.js')).buildHandler));
  router.on('POST', '/build/prune', lazy(async () => (await import('./build-routes.js')).buildPruneHandler));
  router.on('POST', '/auth', lazy(async () => (await import('./distribution-routes.js')).authHandler));
}
