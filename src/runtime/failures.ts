import { internal, invalidParameter, WharfError } from '../common/errors.js';

/**
 * The exit code Docker records when a container's process cannot be started, judged from the
 * runtime's message: 127 when the command (or a mount source) does not exist, 126 when it
 * cannot be invoked; undefined for other failures.
 */
export function startFailureExitCode(message: string): number | undefined {
  if (/executable file not found|no such file or directory|not a directory/i.test(message)) return 127;
  if (/permission denied|exec format error/i.test(message)) return 126;
  return undefined;
}

/**
 * Docker's shape for runtime failures: "OCI runtime create failed: <runc's message>: unknown".
 * Failures caused by the container's configuration (the command is missing or cannot run) are
 * the caller's fault (400), as dockerd reports them; anything else is internal (500).
 */
export function runtimeFailure(op: string, message: string): WharfError {
  const text = `OCI runtime ${op} failed: ${message}: unknown`;
  return startFailureExitCode(message) !== undefined ? invalidParameter(text) : internal(text);
}
