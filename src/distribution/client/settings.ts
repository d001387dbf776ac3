import type { RegistryHostsOptions } from './hosts.js';

/**
 * Registry settings per engine (dockerd's --insecure-registry, certs.d folders). The daemon sets
 * them once at start-up; the API's pull/push/auth handlers read them. Kept beside the engine
 * rather than in it so the engine interface stays free of client concerns.
 */
const byEngine = new WeakMap<object, RegistryHostsOptions>();

/** Default CA folders: Docker's layout, and Wharf's own beside it. */
export const DEFAULT_CERTS_DIRS = ['/etc/docker/certs.d', '/etc/wharf/certs.d'];

export function setRegistryHosts(engine: object, opts: RegistryHostsOptions): void {
  byEngine.set(engine, opts);
}

export function registryHostsOf(engine: object): RegistryHostsOptions {
  return byEngine.get(engine) ?? { certsDirs: DEFAULT_CERTS_DIRS };
}
