/**
 * When a CustomResourceDefinition goes, its custom resources go with it (Kubernetes does
 * this behind the CRD's customresourcecleanup finalizer; here it follows the deletion).
 */
import type { Store } from '../storage/store.js';
import type { ResourceIndex } from './resource-index.js';

export function watchCrdDeletions(index: ResourceIndex, store: Store): void {
  index.onChange(({ type, obj, object }) => {
    if (type !== 'DELETE' || obj.rs.kind.kind !== 'CustomResourceDefinition') return;
    const spec = object.spec as { group?: string; names?: { plural?: string } } | undefined;
    if (!spec?.group || !spec.names?.plural) return;
    const prefix = `/registry/${spec.group}/${spec.names.plural}/`;
    void (async () => {
      for (;;) {
        const page = await store.list(prefix, { limit: 500 });
        for (const kv of page.items) await store.delete(kv.key).catch(() => undefined);
        if (!page.more) break;
      }
    })().catch((err) => process.stderr.write(`wharf controller: removing ${prefix}: ${(err as Error).message}\n`));
  });
}
