import { readdirSync, lstatSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { invalidParameter } from '../../common/errors.js';

export interface OciDevice { path: string; type: 'c' | 'b'; major: number; minor: number; fileMode: number; uid: number; gid: number }

/** Linux's dev_t encoding (glibc's gnu_dev_major/minor). */
export function splitDev(rdev: number): { major: number; minor: number } {
  const big = BigInt(rdev);
  const major = Number(((big >> 8n) & 0xfffn) | ((big >> 32n) & ~0xfffn));
  const minor = Number((big & 0xffn) | ((big >> 12n) & ~0xffn));
  return { major, minor };
}

export function deviceAt(hostPath: string, containerPath: string): OciDevice {
  let st;
  try {
    st = statSync(hostPath);
  } catch {
    throw invalidParameter(`error gathering device information while adding custom device "${hostPath}": no such file or directory`);
  }
  if (!st.isCharacterDevice() && !st.isBlockDevice()) {
    throw invalidParameter(`error gathering device information while adding custom device "${hostPath}": not a device node`);
  }
  const { major, minor } = splitDev(st.rdev);
  return { path: containerPath, type: st.isCharacterDevice() ? 'c' : 'b', major, minor, fileMode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
}

/** Every device node under the host's /dev, for `--privileged` (pseudo-terminals and mounts excluded). */
export function hostDevices(dir = '/dev'): OciDevice[] {
  const out: OciDevice[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const p = join(dir, name);
    if (p === '/dev/pts' || p === '/dev/shm' || p === '/dev/mqueue' || p === '/dev/console' || p === '/dev/ptmx') continue;
    let st;
    try {
      st = lstatSync(p);
    } catch {
      continue;
    }
    if (st.isDirectory()) out.push(...hostDevices(p));
    else if (st.isCharacterDevice() || st.isBlockDevice()) out.push(deviceAt(p, p));
  }
  return out;
}
