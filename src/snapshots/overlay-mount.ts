import { readFile } from 'node:fs/promises';
import { internal } from '../common/errors.js';
import { runShell, shQuote } from './mount-helper.js';

/** mount(2)'s data argument is one page; leave room for upperdir, workdir and flags. */
const OPTION_LIMIT = 4096 - 1;

export interface OverlayDirs {
  /** Lower dirs, top first: absolute, and the same relative to `cwd` (shorter). */
  lowers: string[];
  shortLowers: string[];
  cwd: string;
  upper: string;
  work: string;
}

/**
 * The overlay option string; when the absolute form would pass the page-size limit the
 * short relative lower paths are used and the mount runs with `cwd` as its directory
 * (the kernel resolves relative lowerdir paths against the caller's cwd, as Docker does).
 */
export function overlayOptions(d: OverlayDirs): { options: string; cwd?: string } {
  // redirect_dir and metacopy off: with either on, the upper dir alone would no longer hold a
  // container's changes (renamed dirs and metadata-only copies point into lower layers),
  // and commit/export read the upper dir. index off: layers are shared by many mounts.
  const tail = `,upperdir=${d.upper},workdir=${d.work},index=off,redirect_dir=off,metacopy=off`;
  const abs = `lowerdir=${d.lowers.join(':')}${tail}`;
  if (abs.length <= OPTION_LIMIT) return { options: abs };
  const rel = `lowerdir=${d.shortLowers.join(':')}${tail}`;
  if (rel.length > OPTION_LIMIT) throw internal(`too many layers to mount (${d.lowers.length}): overlay options exceed one page`);
  return { options: rel, cwd: d.cwd };
}

/** Whether something is mounted exactly at `target` (per /proc/self/mountinfo). */
export async function isMountPoint(target: string): Promise<boolean> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const esc = target.replace(/[\\ \t\n]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
  return info.split('\n').some((line) => line.split(' ')[4] === esc);
}

export async function mountOverlay(target: string, d: OverlayDirs): Promise<void> {
  const { options, cwd } = overlayOptions(d);
  try {
    const mount = `mount -t overlay overlay -o ${shQuote(options)} ${shQuote(target)}`;
    await runShell(cwd ? `cd ${shQuote(cwd)} && ${mount}` : mount);
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw internal(`mounting overlay at ${target}: ${(e.stderr || e.message).trim()}`, err);
  }
}

/** Unmounts `target`; not mounted is fine; busy falls back to a lazy detach. */
export async function unmount(target: string): Promise<void> {
  if (!(await isMountPoint(target))) return;
  try {
    await runShell(`umount ${shQuote(target)}`);
  } catch (err) {
    const msg = ((err as { stderr?: string }).stderr ?? '').trim();
    if (/not mounted|no mount point/i.test(msg)) return;
    if (/busy/i.test(msg)) {
      await runShell(`umount -l ${shQuote(target)}`);
      return;
    }
    throw internal(`unmounting ${target}: ${msg || (err as Error).message}`, err);
  }
}
