import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { conflict, invalidParameter } from '../common/errors.js';

/** conmon's control message type for a terminal resize (its REOPEN_LOGS is 2). */
const WIN_RESIZE_EVENT = 1;

/**
 * Resizes the terminal conmon holds for a container or exec session, through the `ctl` fifo
 * in the session's folder: one line "<type> <height> <width>\n".
 */
export async function writeResize(dir: string, width: number, height: number): Promise<void> {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0 && width < 65536 && height < 65536)) {
    throw invalidParameter('invalid terminal size');
  }
  // O_NONBLOCK: if conmon is gone there is no reader and open fails (ENXIO) instead of hanging.
  let fh;
  // Right after start conmon may not have opened its end yet (ENXIO): give it a moment.
  for (let attempt = 0; ; attempt++) {
    try {
      fh = await open(join(dir, 'ctl'), constants.O_WRONLY | constants.O_NONBLOCK);
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENXIO' && attempt < 25) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      throw conflict(`cannot resize: the monitor is not running (${code ?? (err as Error).message})`);
    }
  }
  try {
    await fh.write(`${WIN_RESIZE_EVENT} ${height} ${width}\n`);
  } finally {
    await fh.close();
  }
}
