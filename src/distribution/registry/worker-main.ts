/**
 * Entry point of one registry worker process (see cluster.ts): starts a registry from the
 * options the primary passed in the environment and stops it on SIGTERM.
 */
import { WORKER_OPTIONS_ENV } from './cluster.js';
import { startRegistry, type RegistryOptions } from './server.js';

const opts = JSON.parse(process.env[WORKER_OPTIONS_ENV] ?? '{}') as RegistryOptions;
const reg = await startRegistry(opts);
process.once('SIGTERM', () => {
  reg.close().then(() => process.exit(0), () => process.exit(1));
});
process.once('SIGINT', () => {});
