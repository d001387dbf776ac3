import type { EventBus } from '../events/event-bus.js';
import type { ImageStore } from '../images/image-store.js';
import type { OverlaySnapshotter } from '../snapshots/overlay-snapshotter.js';

/**
 * Frees unpacked layers once no image or container needs them: after image deletions
 * (rmi, prune) a collection runs, one at a time, a moment after the last deletion.
 */
export function collectLayersAfterImageDeletes(events: EventBus, images: ImageStore, snapshotter: OverlaySnapshotter, delayMs = 1000): () => void {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const collect = () => {
    timer = undefined;
    running = running.then(async () => snapshotter.gc(await images.liveChainIds())).catch(() => {});
  };
  const off = events.subscribe((ev) => {
    if (ev.Type !== 'image' || ev.Action !== 'delete') return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(collect, delayMs);
    timer.unref();
  });
  return () => {
    off();
    if (timer) clearTimeout(timer);
  };
}
