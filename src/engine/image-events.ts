import type { EventBus } from '../events/event-bus.js';
import type { ImageService } from '../images/image-service.js';

/**
 * Announces image changes on the event bus as dockerd does (`docker events --filter
 * type=image`): import, load, tag, untag, delete. The store stays unaware of events; this
 * wraps the operations of one store instance when the engine is assembled.
 */
export function publishImageEvents(images: ImageService, events: EventBus): void {
  const emit = (action: string, id: string, name?: string) => events.publish('image', action, id, name ? { name } : {});
  const importRootfs = images.importRootfs.bind(images);
  images.importRootfs = async (tar, opts) => {
    const img = await importRootfs(tar, opts);
    emit('import', img.id, img.repoTags[0]);
    return img;
  };
  const load = images.load.bind(images);
  images.load = async (tar) => {
    const res = await load(tar);
    for (const t of res.tags) emit('load', t, t);
    for (const id of res.ids) if (!res.tags.length) emit('load', id);
    return res;
  };
  const tag = images.tag.bind(images);
  images.tag = async (source, target) => {
    await tag(source, target);
    const img = await images.get(target).catch(() => undefined);
    emit('tag', img?.id ?? source, target);
  };
  // Results list deleted layers too; only images get a `delete` event.
  const imageIds = async () => new Set((await images.list({ all: true })).map((i) => i.id));
  const remove = images.remove.bind(images);
  images.remove = async (ref, opts) => {
    const ids = await imageIds();
    const res = await remove(ref, opts);
    for (const r of res) {
      if (r.Untagged) emit('untag', r.Untagged, r.Untagged);
      if (r.Deleted && ids.has(r.Deleted)) emit('delete', r.Deleted);
    }
    return res;
  };
  const prune = images.prune.bind(images);
  images.prune = async (opts) => {
    const ids = await imageIds();
    const res = await prune(opts);
    for (const r of res.deleted) if (r.Deleted && ids.has(r.Deleted)) emit('delete', r.Deleted);
    return res;
  };
}
