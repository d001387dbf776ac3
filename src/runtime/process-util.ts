import { readFileSync } from 'node:fs';

/**
 * Whether a process exists and has not exited. A zombie counts as gone: conmon double-forks,
 * so its parent is init, which on some hosts (this VM's init) reaps only every few seconds.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) S ..." — comm may contain spaces or parentheses; the state follows the last ")".
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Polls until `pid` is gone; false if it is still there after `timeoutMs`. */
export async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

/**
 * Whether `pid` is a conmon monitoring `id`: a pid file may be stale and its number reused by
 * an unrelated process, which must never be waited on or killed in the container's name.
 */
export function isMonitorOf(pid: number, id: string): boolean {
  if (!(pid > 0) || !isAlive(pid)) return false;
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return (argv[0] ?? '').endsWith('conmon') && argv.includes(id);
  } catch {
    return false;
  }
}
