import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { internal, invalidParameter } from '../common/errors.js';

const run = promisify(execFile);

/**
 * `docker top`: runs the host's `ps` with the caller's options and keeps the rows whose
 * PID belongs to the container, as dockerd does.
 */
export async function topOf(pids: number[], psArgs = '-ef'): Promise<{ Titles: string[]; Processes: string[][] }> {
  const args = psArgs.trim() ? psArgs.trim().split(/\s+/) : ['-ef'];
  let out: string;
  try {
    out = (await run('ps', args, { maxBuffer: 16 * 1024 * 1024 })).stdout;
  } catch (err) {
    throw internal(`ps: ${(err as { stderr?: string }).stderr?.trim() || String(err)}`);
  }
  const lines = out.split('\n').filter((l) => l.trim());
  const titles = lines[0].trim().split(/\s+/);
  const pidCol = titles.indexOf('PID');
  if (pidCol < 0) throw invalidParameter(`Couldn't find PID field in ps output`);
  const wanted = new Set(pids);
  const processes: string[][] = [];
  for (const line of lines.slice(1)) {
    const fields = line.trim().split(/\s+/);
    // The last column (the command) may contain spaces: keep it whole.
    const row = [...fields.slice(0, titles.length - 1), fields.slice(titles.length - 1).join(' ')];
    if (wanted.has(Number(row[pidCol]))) processes.push(row);
  }
  return { Titles: titles, Processes: processes };
}
