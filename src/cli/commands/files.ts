/** Commands on a container's filesystem: cp (both ways, `-` for tar streams), diff, export, commit. */
import { createWriteStream } from 'node:fs';
import { lstat, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ApiClient } from '../api/client.js';
import { ApiError, CliError } from '../cli-error.js';
import type { CliContext, Command } from '../context.js';
import { validateReference } from './image-ops.js';
import { splitImageRef } from './pull.js';

const cpath = (name: string) => `/containers/${encodeURIComponent(name)}`;

interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

const DIR_BIT = 0x80000000;

function readPathStat(header: string | string[] | undefined): PathStat | undefined {
  if (typeof header !== 'string') return undefined;
  return JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as PathStat;
}

/** "name:path" → [name, path]; a local path has no colon before its first slash. */
export function splitCpArg(arg: string): [string | undefined, string] {
  if (arg.startsWith('/') || arg.startsWith('.')) return [undefined, arg];
  const i = arg.indexOf(':');
  if (i <= 0) return [undefined, arg];
  return [arg.slice(0, i), arg.slice(i + 1)];
}

async function copyFromContainer(ctx: CliContext, client: ApiClient, container: string, src: string, dest: string, followLink: boolean): Promise<void> {
  let srcPath = src;
  if (followLink) {
    const head = await client.call('HEAD', `${cpath(container)}/archive`, { query: { path: src } });
    head.resume();
    const st = readPathStat(head.headers['x-docker-container-path-stat']);
    if (st?.linkTarget) srcPath = st.linkTarget;
  }
  const res = await client.call('GET', `${cpath(container)}/archive`, { query: { path: srcPath } });
  if (dest === '-') {
    await pipeline(res, ctx.stdout as unknown as NodeJS.WritableStream, { end: false });
    return;
  }
  const st = readPathStat(res.headers['x-docker-container-path-stat']);
  const srcIsDir = st ? (st.mode & DIR_BIT) !== 0 : false;
  const srcBase = st?.name ?? posix.basename(srcPath);
  const contentsOnly = srcIsDir && /\/\.$/.test(src);
  const { extractTar } = await import('./cp-local.js');
  const destStat = await stat(dest).catch(() => undefined);
  if (dest.endsWith('/') && !destStat) throw new CliError(`destination directory "${dest}" must exist`, 1);
  if (!srcIsDir && dest.endsWith('/') && destStat && !destStat.isDirectory()) throw new CliError(`destination "${dest}" must be a directory`, 1);
  if (destStat?.isDirectory()) {
    await extractTar(res, { targetDir: dest, srcBase, contentsOnly });
  } else if (destStat && srcIsDir) {
    throw new CliError(`cannot copy directory to existing non-directory "${dest}"`, 1);
  } else {
    const parent = dirname(dest);
    const pst = await stat(parent).catch(() => undefined);
    if (!pst?.isDirectory()) throw new CliError(`destination directory "${parent}" must exist`, 1);
    if (contentsOnly) await extractTar(res, { targetDir: dest, srcBase, contentsOnly: true });
    else await extractTar(res, { targetDir: parent, srcBase, renameTo: basename(dest) });
  }
}

async function copyToContainer(ctx: CliContext, client: ApiClient, src: string, container: string, dest: string, followLink: boolean, archive: boolean): Promise<void> {
  const base = `${cpath(container)}/archive`;
  let destStat: PathStat | undefined;
  try {
    const head = await client.call('HEAD', base, { query: { path: dest } });
    head.resume();
    destStat = readPathStat(head.headers['x-docker-container-path-stat']);
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 404) throw err;
  }
  const destIsDir = destStat ? (destStat.mode & DIR_BIT) !== 0 : false;
  let body: Readable;
  let targetDir: string;
  if (src === '-') {
    if (!destIsDir) throw new CliError(`destination "${container}:${dest}" must be a directory`, 1);
    body = ctx.stdin;
    targetDir = dest;
  } else {
    const local = await (followLink ? stat(src) : lstat(src)).catch(() => {
      throw new CliError(`lstat ${src}: no such file or directory`, 1);
    });
    const contentsOnly = local.isDirectory() && /\/\.$/.test(src);
    const { packPath } = await import('./cp-local.js');
    if (destIsDir) {
      targetDir = dest;
      body = await packPath(src, basename(src.replace(/\/\.?$/, '')), contentsOnly, followLink);
    } else {
      if (!destStat && dest.endsWith('/')) throw new CliError(`destination directory "${container}:${dest}" must exist`, 1);
      if (destStat && local.isDirectory()) throw new CliError(`cannot copy directory to existing non-directory "${container}:${dest}"`, 1);
      targetDir = posix.dirname(dest);
      body = await packPath(src, posix.basename(dest), false, followLink);
    }
  }
  const res = await client.call('PUT', base, {
    query: { path: targetDir, noOverwriteDirNonDir: true, copyUIDGID: archive || undefined },
    body,
    headers: { 'Content-Type': 'application/x-tar' },
  });
  res.resume();
}

export const cp: Command = {
  spec: {
    name: 'cp',
    usage: '[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\twharf cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH',
    description: 'Copy files/folders between a container and the local filesystem',
    minArgs: 2,
    maxArgs: 2,
    flags: [
      { name: 'archive', short: 'a', type: 'bool' },
      { name: 'follow-link', short: 'L', type: 'bool' },
      { name: 'quiet', short: 'q', type: 'bool' },
    ],
  },
  async run(ctx, a) {
    const [srcC, srcP] = splitCpArg(a.args[0]);
    const [dstC, dstP] = splitCpArg(a.args[1]);
    if (srcC && dstC) throw new CliError('copying between containers is not supported', 1);
    if (!srcC && !dstC) throw new CliError('must specify at least one container source', 1);
    if ((srcC && !srcP) || (dstC && !dstP)) throw new CliError('path cannot be empty', 1);
    const client = await ctx.client();
    if (srcC) await copyFromContainer(ctx, client, srcC, srcP, dstP, a.bool('follow-link'));
    else await copyToContainer(ctx, client, srcP, dstC as string, dstP, a.bool('follow-link'), a.bool('archive'));
  },
};

export const diff: Command = {
  spec: { name: 'diff', usage: 'CONTAINER', description: "Inspect changes to files or directories on a container's filesystem", minArgs: 1, maxArgs: 1, flags: [] },
  async run(ctx, a) {
    const client = await ctx.client();
    const changes = await client.json<{ Path: string; Kind: number }[] | null>('GET', `${cpath(a.args[0])}/changes`);
    const kinds = ['C', 'A', 'D'];
    ctx.stdout.write((changes ?? []).map((c) => `${kinds[c.Kind] ?? '?'} ${c.Path}\n`).join(''));
  },
};

/** Streams a response into `-o FILE` atomically, or to stdout (never a terminal). */
async function saveTo(ctx: CliContext, res: Readable, output: string | undefined): Promise<void> {
  if (!output) {
    await pipeline(res, ctx.stdout as unknown as NodeJS.WritableStream, { end: false });
    return;
  }
  const tmp = `${output}.wharf-tmp-${process.pid}`;
  try {
    await pipeline(res, createWriteStream(tmp));
    await rename(tmp, output);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new CliError(`failed to export container: ${(err as Error).message}`, 1);
  }
}

export const exportCmd: Command = {
  spec: { name: 'export', usage: '[OPTIONS] CONTAINER', description: "Export a container's filesystem as a tar archive", minArgs: 1, maxArgs: 1, flags: [{ name: 'output', short: 'o', type: 'string' }] },
  async run(ctx, a) {
    const output = a.string('output');
    if (!output && ctx.stdout.isTTY) throw new CliError('cowardly refusing to save to a terminal. Use the -o flag or redirect', 1);
    const client = await ctx.client();
    const res = await client.call('GET', `${cpath(a.args[0])}/export`);
    await saveTo(ctx, res, output);
  },
};

export const commit: Command = {
  spec: {
    name: 'commit',
    usage: '[OPTIONS] CONTAINER [REPOSITORY[:TAG]]',
    description: "Create a new image from a container's changes",
    minArgs: 1,
    maxArgs: 2,
    flags: [
      { name: 'author', short: 'a', type: 'string' },
      { name: 'message', short: 'm', type: 'string' },
      { name: 'change', short: 'c', type: 'list' },
      { name: 'pause', short: 'p', type: 'bool' },
    ],
  },
  async run(ctx, a) {
    const [container, ref] = a.args;
    let repo: string | undefined;
    let tag: string | undefined;
    if (ref) {
      validateReference(ref);
      ({ fromImage: repo, tag } = splitImageRef(ref));
    }
    const client = await ctx.client();
    const res = await client.json<{ Id: string }>('POST', '/commit', {
      query: { container, repo, tag, comment: a.string('message'), author: a.string('author'), pause: a.bool('pause', true) ? '1' : '0', changes: a.list('change') },
      body: {},
    });
    ctx.stdout.write(`${res.Id}\n`);
  },
};

export { exportCmd as export };
