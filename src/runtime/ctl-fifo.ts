import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { conflict, invalidParameter } from '../common/errors.js';

/** conmon's control message types. */
const WIN_RESIZE_EVENT = 1;
const REOPEN_LOGS_EVENT = 2;

/**
 * Resizes the terminal conmon holds for a container or exec session, through the `ctl` fifo
 * in the session's folder: one line "<type> <height> <width>\n".
 */
export async function writeResize(dir: string, width: number, height: number): Promise<void> {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0 && width < 65536 && height < 65536)) {
    throw invalidParameter('invalid terminal size');
  }
  try {
    await writeControl(dir, `${WIN_RESIZE_EVENT} ${height} ${width}\n`);
  } catch (err) {
    throw conflict(`cannot resize: the monitor is not running (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** Asks conmon to reopen its log file (it creates a new one under the same name); false if conmon is gone. */
export async function writeReopenLogs(dir: string): Promise<boolean> {
  return writeControl(dir, `${REOPEN_LOGS_EVENT} 0 0\n`).then(() => true, () => false);
}

async function writeControl(dir: string, message: string): Promise<void> {
  // O_NONBLOCK: if conmon is gone there is no reader and open fails (ENXIO) instead of hanging.
  let fh;
  // Right after start conmon may not have opened its end yet (ENXIO): give it a moment.
  for (let attempt = 0; ; attempt++) {
    try {
      fh = await open(join(dir, 'ctl'), constants.O_WRONLY | constants.O_NONBLOCK);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENXIO' && attempt < 25) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      throw err;
    }
  }
  try {
    await fh.write(message);
  } finally {
    await fh.close();
  }
}
