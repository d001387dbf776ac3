/** Controllers the server runs beside the API: garbage collection and namespace cleanup. */
import type { ApiRegistry } from '../apiserver/api-registry.js';
import { GarbageCollector } from './garbage-collector.js';
import { NamespaceController } from './namespace-controller.js';
import { ResourceIndex } from './resource-index.js';
import { watchCrdDeletions } from './crd-cleanup.js';

export async function startControllers(reg: ApiRegistry): Promise<() => Promise<void>> {
  const index = new ResourceIndex(reg);
  const gc = new GarbageCollector(index);
  const nsc = new NamespaceController(reg, index);
  watchCrdDeletions(index, reg.store);
  await index.start();
  gc.resync();
  nsc.resync();
  return async () => {
    index.stop();
    await Promise.all([gc.stop(), nsc.stop()]);
  };
}
