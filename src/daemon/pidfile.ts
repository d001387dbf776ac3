import { readFileSync } from 'node:fs';
import { readFile, unlink } from 'node:fs/promises';
import { writeFileAtomic } from '../common/atomic-file.js';
import { conflict } from '../common/errors.js';

/** A process that exists and is not a zombie (a killed daemon whose parent never reaped it is dead). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function readPid(path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(path, 'utf8')).trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Writes our pid, refusing (as dockerd does) when the file names another live process. */
export async function writePidfile(path: string): Promise<void> {
  const pid = await readPid(path);
  if (pid !== undefined && pid !== process.pid && alive(pid)) {
    throw conflict(`pid file found, ensure wharf daemon is not running or delete ${path} (process ${pid} is alive)`);
  }
  await writeFileAtomic(path, `${process.pid}\n`);
}

/** Removes the pidfile if it is still ours. */
export async function removePidfile(path: string): Promise<void> {
  if ((await readPid(path)) === process.pid) await unlink(path).catch(() => undefined);
}
