import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isWhiteout } from './overlay-changes.js';

/** Bytes in a container's upper dir: non-directory entries, hard links once, whiteouts not (Docker's SizeRw). */
export async function upperSize(upper: string): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const p = join(dir, name);
      const st = await lstat(p).catch(() => undefined);
      if (!st) continue;
      if (st.isDirectory()) {
        await walk(p);
        continue;
      }
      if (isWhiteout(st)) continue;
      const key = `${st.dev}:${st.ino}`;
      if (st.nlink > 1) {
        if (seen.has(key)) continue;
        seen.add(key);
      }
      total += st.size;
    }
  };
  await walk(upper);
  return total;
}
