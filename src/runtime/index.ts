/**
 * The OCI runtime layer: runc driven through conmon.
 *
 * On disk (all of it survives a daemon restart; none of it survives a reboot if on tmpfs):
 *   <stateRoot>/<runtime name>/<id>/   runc's own state (`runc --root`)
 *   <stateRoot>/exits/<id>             exit code, written by conmon when the process ends
 *   <bundle>/config.json               the OCI config (written by `create`)
 *   <bundle>/attach                    conmon's SOCK_SEQPACKET attach socket
 *   <bundle>/ctl, <bundle>/winsz       conmon's control fifos (terminal resize)
 *   <bundle>/pidfile, conmon.pid       the container's and the monitor's pids
 *   <bundle>/oom, <bundle>/exit        written by conmon on an OOM kill / at exit
 *   <bundle>/exec/<execId>/            one folder per exec session (removed when it ends)
 * conmon's log (CRI k8s-file format) goes wherever `CreateOptions.logPath` says; src/logging reads it.
 */
import { OciRuntime, type OciRuntimeOptions } from './oci-runtime.js';

export type { Runtime, SpecInput, CreateOptions, ExecOptions, ExecSession, AttachStreams, ContainerStats, RuntimeState, ResourceUpdate } from './runtime.js';
export { OciRuntime, type OciRuntimeOptions } from './oci-runtime.js';
export { buildSpec } from './spec/build-spec.js';

export { detectCgroups, type CgroupLayout } from './cgroups.js';
export { hostResources, type HostResources } from './host-resources.js';
export { grantRealtimeBudget, realtimeSupported, type RealtimeBudget } from './realtime-budget.js';

/**
 * The engine's runtime: runc (by default /usr/sbin/runc) behind conmon (/usr/bin/conmon).
 * `stateRoot` must persist across daemon restarts (runc state, exit files).
 */
export function createRuntime(opts: OciRuntimeOptions): OciRuntime {
  return new OciRuntime(opts);
}
export { startFailureExitCode } from './failures.js';
