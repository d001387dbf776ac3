import { open, rename, mkdir, readdir, unlink } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Writes a file so that a crash at any moment leaves either the old content or the new,
 * never a torn file: write a sibling temp file, fsync it, rename over, fsync the folder.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644, opts: { sync?: boolean } = {}): Promise<void> {
  const sync = opts.sync !== false;
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'w', mode);
  try {
    await fh.writeFile(data);
    if (sync) await fh.sync();
  } catch (err) {
    await fh.close();
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  if (sync) await syncDir(dir);
}

/** How writeFileAtomic names its temp files. */
const TEMP_NAME = /^\..+\.[0-9a-f]{12}\.tmp$/;

/**
 * Removes from `dir` the temp files of atomic writes that a crash cut short: they never
 * replaced anything. Stores call it on their folders when they open, before any write.
 */
export async function removeAtomicTemps(dir: string, names?: string[]): Promise<void> {
  for (const n of names ?? (await readdir(dir).catch(() => [] as string[]))) {
    if (TEMP_NAME.test(n)) await unlink(join(dir, n)).catch(() => {});
  }
}

export async function writeJsonAtomic(path: string, value: unknown, mode = 0o600): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value), mode);
}

export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
