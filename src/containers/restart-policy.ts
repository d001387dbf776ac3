import type { ContainerRecord } from './container-record.js';

const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 60_000;
/** A container that ran this long is considered healthy again: its backoff starts over. */
const RESET_AFTER_MS = 10_000;

/**
 * Whether and when a container that just exited should be started again, following
 * Docker's restart policies and its doubling back-off.
 */
export function restartDelay(rec: ContainerRecord, exitCode: number, ranForMs: number, backoff: Map<string, number>): number | undefined {
  const policy = rec.hostConfig.RestartPolicy ?? { Name: 'no' };
  if (rec.manuallyStopped || rec.hostConfig.AutoRemove) return undefined;
  switch (policy.Name) {
    case 'always':
    case 'unless-stopped':
      break;
    case 'on-failure':
      if (exitCode === 0) return undefined;
      if (policy.MaximumRetryCount > 0 && rec.restartCount >= policy.MaximumRetryCount) return undefined;
      break;
    default:
      return undefined;
  }
  const prev = ranForMs >= RESET_AFTER_MS ? 0 : backoff.get(rec.id) ?? 0;
  const delay = prev === 0 ? FIRST_DELAY_MS : Math.min(prev * 2, MAX_DELAY_MS);
  backoff.set(rec.id, delay);
  return delay;
}

/** On daemon start: should a container that was running (or ought to be) be started? */
export function restartOnDaemonStart(rec: ContainerRecord): boolean {
  const name = rec.hostConfig.RestartPolicy?.Name ?? 'no';
  // Docker restarts an `always` container with the daemon even after a manual stop.
  if (name === 'always') return rec.hasBeenStarted;
  if (name === 'unless-stopped') return rec.hasBeenStarted && !rec.manuallyStopped;
  return false;
}
