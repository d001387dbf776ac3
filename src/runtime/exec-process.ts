import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidParameter } from '../common/errors.js';
import { resolveUserInRootfs } from './spec/user.js';

type Obj = Record<string, unknown>;

/**
 * The full OCI process for an exec, as Docker builds it: the container's own process (its
 * capabilities, rlimits, no-new-privileges, env) with the caller's fields on top. `user` may
 * be Docker's `-u` string; it is resolved against the container's /etc/passwd and /etc/group.
 */
export async function execProcess(bundle: string, given: Obj, tty: boolean): Promise<Obj> {
  const spec = JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8')) as { process?: Obj; root?: { path?: string } };
  const base = spec.process ?? {};
  const out: Obj = { ...base, ...given, terminal: tty };
  if (!Array.isArray(out.args) || out.args.length === 0) throw invalidParameter('No exec command specified');
  if (given.env === undefined) out.env = base.env;
  if (!given.cwd) out.cwd = base.cwd ?? '/';
  if (typeof given.user === 'string') {
    const rootfs = spec.root?.path ?? '';
    const u = await resolveUserInRootfs(rootfs, given.user);
    out.user = { uid: u.uid, gid: u.gid, ...(u.additionalGids.length ? { additionalGids: u.additionalGids } : {}) };
  } else if (given.user === undefined) {
    out.user = base.user;
  }
  // The container's init-only settings do not apply to an exec.
  delete out.oomScoreAdj;
  return out;
}
