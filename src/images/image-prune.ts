import { invalidParameter } from '../common/errors.js';
import { parseStored } from '../reference/reference.js';
import { matchLabels, parseUntil } from './image-filters.js';
import type { RemoveResult } from './image-service.js';
import type { ImageStore } from './image-store.js';

/**
 * `docker image prune`: dangling images (no tag), or with `all` every image no container
 * uses; filters `until`, `label`, `label!`. Intermediate untagged images with children are
 * left to go with their children. Never forces.
 */
export async function pruneImages(
  store: ImageStore,
  opts: { all?: boolean; filters?: Record<string, string[]> },
): Promise<{ deleted: RemoveResult[]; spaceReclaimed: number }> {
  const f = opts.filters ?? {};
  for (const k of Object.keys(f)) if (!['until', 'label', 'label!', 'dangling'].includes(k)) throw invalidParameter(`invalid filter '${k}'`);
  let danglingOnly = !opts.all;
  if (f.dangling?.length) {
    const v = f.dangling[f.dangling.length - 1].toLowerCase();
    if (!['true', 'false', '1', '0'].includes(v)) throw invalidParameter(`invalid filter 'dangling=${f.dangling[f.dangling.length - 1]}'`);
    danglingOnly = v === 'true' || v === '1';
  }
  const until = f.until?.length ? parseUntil(f.until[f.until.length - 1]) : undefined;
  const deleted: RemoveResult[] = [];
  let spaceReclaimed = 0;
  const candidates = [...store.records.items.keys()].filter((id) => !danglingOnly || store.children(id).length === 0);
  for (const id of candidates) {
    if (!store.records.items.has(id)) continue; // went with an earlier deletion
    const img = await store.toImage(id);
    const refs = store.tags.refsFor(id);
    if (refs.length === 0 && store.children(id).length > 0) continue;
    if (until !== undefined && Date.parse(img.config.created ?? '') > until) continue;
    const labels = img.config.config?.Labels;
    if (!matchLabels(f.label, labels)) continue;
    if (f['label!']?.length && matchLabels(f['label!'], labels)) continue;
    if (store.usageCheck(id) !== undefined) continue;
    const hasTag = refs.some((r) => !parseStored(r).digest);
    if (refs.length > 0 && danglingOnly && hasTag) continue;
    try {
      const size = img.size;
      const res = refs.length > 0 ? await removeAll(store, refs) : await store.remove(id, { force: false });
      if (res.some((r) => r.Deleted === id)) spaceReclaimed += size;
      deleted.push(...res);
    } catch {
      // Docker skips images it cannot delete (conflicts) and carries on.
    }
  }
  return { deleted, spaceReclaimed };
}

async function removeAll(store: ImageStore, refs: string[]): Promise<RemoveResult[]> {
  const out: RemoveResult[] = [];
  for (const r of refs) out.push(...(await store.remove(r, { force: false })));
  return out;
}
