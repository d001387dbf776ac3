import type { DockerEvent } from '../events/event-bus.js';
import type { ApiContext } from './context.js';
import { compileEventFilter } from './events-filter.js';
import { startJsonLines } from './json-stream.js';
import { parseFilters, timeQuery } from './query.js';
import type { ApiRouter } from './router.js';

export function registerEventRoutes(router: ApiRouter): void {
  router.on('GET', '/events', events);
}

/**
 * A JSON-lines stream: recent events from `since` (replayed from the bus' history), then
 * live ones until the client leaves or `until` passes.
 */
async function events(ctx: ApiContext): Promise<void> {
  const since = timeQuery(ctx.query, 'since');
  const until = timeQuery(ctx.query, 'until');
  const match = compileEventFilter(parseFilters(ctx.query.get('filters')));
  const untilNs = until === undefined ? undefined : until * 1e9;
  const lines = startJsonLines(ctx);
  await new Promise<void>((resolve) => {
    let finished = false;
    let unsubscribe: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      if (finished) return;
      finished = true;
      unsubscribe?.();
      if (timer) clearTimeout(timer);
      resolve();
    };
    const onEvent = (ev: DockerEvent) => {
      if (finished) return;
      if (untilNs !== undefined && ev.timeNano > untilNs) return finish();
      if (match(ev)) lines.write(ev);
    };
    // As dockerd: `until` alone replays the whole buffer up to that time.
    const sinceNs = since !== undefined ? since * 1e9 : until !== undefined ? 0 : undefined;
    unsubscribe = ctx.engine.events.subscribe(onEvent, { sinceNs });
    if (finished) unsubscribe();
    if (until !== undefined) timer = setTimeout(finish, Math.max(0, until * 1000 - Date.now()));
    ctx.signal.addEventListener('abort', finish, { once: true });
  });
  lines.end();
}
