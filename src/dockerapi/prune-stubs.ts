import type { ApiContext } from './context.js';
import { parseFilters } from './query.js';
import { sendJson } from './respond.js';
import type { ApiRouter } from './router.js';

/**
 * Prune answers for stores the engine does not have yet, so `docker system prune` works:
 * there are no user-defined networks and no build cache, hence nothing to delete. The
 * networking and build areas replace these routes when they land.
 */
export function registerPruneStubRoutes(router: ApiRouter): void {
  router.on('POST', '/networks/prune', networksPrune);
  router.on('POST', '/build/prune', buildPrune);
}

async function networksPrune(ctx: ApiContext): Promise<void> {
  parseFilters(ctx.query.get('filters')); // still reject malformed filters with a 400
  sendJson(ctx, 200, { NetworksDeleted: null });
}

async function buildPrune(ctx: ApiContext): Promise<void> {
  parseFilters(ctx.query.get('filters'));
  sendJson(ctx, 200, { CachesDeleted: null, SpaceReclaimed: 0 });
}
