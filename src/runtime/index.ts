import { OciRuntime, type OciRuntimeOptions } from './oci-runtime.js';

export type { Runtime, SpecInput, CreateOptions, ExecOptions, ExecSession, AttachStreams, ContainerStats, RuntimeState } from './runtime.js';
export { OciRuntime, type OciRuntimeOptions } from './oci-runtime.js';
export { buildSpec } from './spec/build-spec.js';
export { readLogs, parseLogLine, type LogEntry, type ReadLogOptions } from './log-reader.js';
export { detectCgroups, type CgroupLayout } from './cgroups.js';

/**
 * The engine's runtime: runc (by default /usr/sbin/runc) behind conmon (/usr/bin/conmon).
 * `stateRoot` must persist across daemon restarts (runc state, exit files).
 */
export function createRuntime(opts: OciRuntimeOptions): OciRuntime {
  return new OciRuntime(opts);
}
export { startFailureExitCode } from './failures.js';
