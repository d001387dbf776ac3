import { familiarize } from '../reference/reference.js';
import type { HistoryItem } from './image-service.js';
import type { ImageStore } from './image-store.js';

/**
 * `docker history`: one row per history entry, newest first. A row that is the top of a
 * local image (this one or a parent on its chain) carries that image's ID and tags; the
 * others say "<missing>", as Docker prints for layers pulled or loaded without their builds.
 */
export async function imageHistory(store: ImageStore, ref: string): Promise<HistoryItem[]> {
  const id = store.resolveId(ref);
  const img = await store.toImage(id);
  const diffIds = img.config.rootfs.diff_ids;
  const rows: HistoryItem[] = [];
  let layer = 0;
  for (const h of img.config.history ?? []) {
    let size = 0;
    if (!h.empty_layer) {
      const d = diffIds[layer++];
      size = d ? (store.layers.items.get(d)?.contentSize ?? 0) : 0;
    }
    rows.push({
      Id: '<missing>',
      Created: Math.floor(Date.parse(h.created ?? '') / 1000) || 0,
      CreatedBy: h.created_by ?? '',
      Tags: null,
      Size: size,
      Comment: h.comment ?? '',
    });
  }
  // Name the rows that are local images: walk the parent chain.
  for (let cur: string | undefined = id; cur && store.records.items.has(cur); cur = store.records.items.get(cur)?.parent) {
    const n = (await store.config(cur)).history?.length ?? 0;
    const row = rows[n - 1];
    if (!row) break;
    row.Id = cur;
    const tags = store.tags.refsFor(cur).filter((r) => !r.includes('@')).map(familiarize);
    row.Tags = tags.length ? tags : null;
  }
  if (rows.length === 0) {
    rows.push({ Id: id, Created: Math.floor(Date.parse(img.config.created ?? '') / 1000) || 0, CreatedBy: '', Tags: null, Size: img.size, Comment: '' });
  }
  return rows.reverse();
}
