/**
 * Container logs, kept the way dockerd keeps them.
 *
 * conmon (the per-container monitor) writes everything the container prints to a spool in the
 * container's folder, also while the daemon is down; the daemon turns it into Docker's
 * json-file log and serves `docker logs` from that.
 *   <container dir>/conmon-spool.log   conmon's log (CRI k8s-file format), emptied as it is shipped
 *   <container dir>/conmon-spool.pos   how far shipping got (a daemon crash ships nothing twice)
 *   <container dir>/<id>-json.log[.N[.gz]]      json-file driver (max-size/max-file/compress)
 *   <container dir>/local-logs/container.log[.N[.gz]]   local driver (same records)
 */
export { ContainerLogs, type LogTarget, type ReadOptions } from './container-logs.js';
export { validateLogConfig, planLogging, mergeLogConfig, LoggingInitError, type LogConfig, type LogPlan } from './log-config.js';
export type { LogSource } from './log-attrs.js';
export type { ParsedJsonLog } from './json-log-line.js';
