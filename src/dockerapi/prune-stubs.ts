import type { ApiContext } from './context.js';
import { parseFilters } from './query.js';
import { sendJson } from './respond.js';
import type { ApiRouter } from './router.js';

/**
 * `POST /build/prune` until the builder's cache can be pruned: it answers that nothing was
 * deleted, so `docker system prune` works.
 */
export function registerPruneStubRoutes(router: ApiRouter): void {
  router.on('POST', '/build/prune', buildPrune);
}

async function buildPrune(ctx: ApiContext): Promise<void> {
  parseFilters(ctx.query.get('filters'));
  sendJson(ctx, 200, { CachesDeleted: null, SpaceReclaimed: 0 });
}
