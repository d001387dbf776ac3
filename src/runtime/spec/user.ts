import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidParameter } from '../../common/errors.js';

export interface PasswdEntry { name: string; uid: number; gid: number; home: string }
export interface GroupEntry { name: string; gid: number; members: string[] }

export interface ExecUser {
  uid: number;
  gid: number;
  /** The primary group, then supplementary groups (from /etc/group membership, then `--group-add`), as dockerd lists them. */
  additionalGids: number[];
  home: string;
}

const MAX_ID = 2147483647;

export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 4) continue;
    out.push({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '' });
  }
  return out;
}

export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 3) continue;
    out.push({ name: f[0]!, gid: Number(f[2]), members: (f[3] ?? '').split(',').map((m) => m.trim()).filter(Boolean) });
  }
  return out;
}

const isNumeric = (s: string): boolean => /^[0-9]+$/.test(s);

function checkRange(id: number): number {
  if (id < 0 || id > MAX_ID) throw invalidParameter(`uids and gids must be in range 0-${MAX_ID}`);
  return id;
}

/**
 * Docker's (runc's libcontainer/user) rules for `-u`: "name" or "uid" looked up in passwd (a
 * numeric uid need not exist); "user:group" with the group by name or number; supplementary
 * groups come from /etc/group only when no group was given and the user was found.
 */
export function resolveUser(spec: string, passwd: PasswdEntry[], groups: GroupEntry[], groupAdd: string[] = []): ExecUser {
  const [userArg = '', groupArg = ''] = spec === '' ? [] : splitOnce(spec);
  let uid = 0;
  let gid = 0;
  let home = '/';
  let matched: PasswdEntry | undefined;
  const userKey = userArg === '' ? '0' : userArg;
  matched = isNumeric(userKey)
    ? passwd.find((p) => p.uid === Number(userKey))
    : passwd.find((p) => p.name === userKey);
  if (matched) {
    uid = matched.uid;
    gid = matched.gid;
    home = matched.home || '/';
  } else if (isNumeric(userKey)) {
    uid = checkRange(Number(userKey));
  } else {
    throw invalidParameter(`unable to find user ${userKey}: no matching entries in passwd file`);
  }
  let additionalGids: number[] = [];
  if (groupArg !== '') {
    const g = isNumeric(groupArg) ? groups.find((e) => e.gid === Number(groupArg)) : groups.find((e) => e.name === groupArg);
    if (g) gid = g.gid;
    else if (isNumeric(groupArg)) gid = checkRange(Number(groupArg));
    else throw invalidParameter(`unable to find group ${groupArg}: no matching entries in group file`);
  } else if (matched) {
    additionalGids = groups.filter((g) => g.members.includes(matched!.name)).map((g) => g.gid);
  }
  for (const extra of groupAdd) {
    const g = isNumeric(extra) ? groups.find((e) => e.gid === Number(extra)) : groups.find((e) => e.name === extra);
    if (g) additionalGids.push(g.gid);
    else if (isNumeric(extra)) additionalGids.push(checkRange(Number(extra)));
    else throw invalidParameter(`Unable to find group ${extra}: no matching entries in group file`);
  }
  // dockerd lists the primary group first among the additional ones (observed with Docker 20.10).
  return { uid, gid, additionalGids: [...new Set([gid, ...additionalGids])], home };
}

function splitOnce(spec: string): [string, string] {
  const i = spec.indexOf(':');
  return i < 0 ? [spec, ''] : [spec.slice(0, i), spec.slice(i + 1)];
}

/**
 * Reads the rootfs' passwd and group files without following a symlink out of the rootfs
 * (an image may make /etc/passwd a link to anywhere): only regular files are read.
 */
export async function resolveUserInRootfs(rootfs: string, spec: string, groupAdd: string[] = []): Promise<ExecUser> {
  const passwd = parsePasswd(await readInRoot(rootfs, 'etc/passwd'));
  const groups = parseGroup(await readInRoot(rootfs, 'etc/group'));
  return resolveUser(spec, passwd, groups, groupAdd);
}

async function readInRoot(rootfs: string, rel: string): Promise<string> {
  let dir = rootfs;
  for (const part of rel.split('/')) {
    dir = join(dir, part);
    try {
      const st = await lstat(dir);
      if (st.isSymbolicLink()) return '';
    } catch {
      return '';
    }
  }
  return readFile(dir, 'utf8').catch(() => '');
}
