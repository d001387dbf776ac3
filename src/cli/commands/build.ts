/**
 * `wharf build`: docker's legacy builder client. The context (a directory filtered by
 * .dockerignore, a tar on stdin, or just a Dockerfile on stdin) goes to `POST /build` as
 * one tar; the daemon's JSON stream is printed as docker prints it.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readFile, readdir, readlink, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { TAR_END, tarEntry } from '../../archive/tar-write.js';
import { IgnoreMatcher } from '../../build/context/dockerignore.js';
import { jsonLines } from '../api/client.js';
import { CliError } from '../cli-error.js';
import type { CliContext, Command } from '../context.js';
import { humanSize } from '../format/units.js';

async function* dirTar(root: string, ignore: IgnoreMatcher, keep: Set<string>): AsyncGenerator<Buffer> {
  const walk = async function* (rel: string): AsyncGenerator<Buffer> {
    for (const name of (await readdir(join(root, rel))).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const host = join(root, r);
      const st = await lstat(host);
      const ignored = !keep.has(r) && ignore.ignores(r);
      if (ignored && !(st.isDirectory() && ignore.hasExceptions)) continue;
      // Build contexts are sent owned by root, as docker sends them.
      const base = { name: r, mode: st.mode & 0o7777, uid: 0, gid: 0, mtime: st.mtime };
      if (st.isDirectory()) {
        if (!ignored) yield* tarEntry({ ...base, name: r + '/', type: 'directory' });
        yield* walk(r);
      } else if (st.isSymbolicLink()) {
        yield* tarEntry({ ...base, type: 'symlink', linkname: await readlink(host) });
      } else if (st.isFile()) {
        yield* tarEntry({ ...base, type: 'file', size: st.size }, createReadStream(host) as AsyncIterable<Buffer>);
      }
    }
  };
  yield* walk('');
}

async function* withExtra(inner: AsyncGenerator<Buffer>, extra?: { name: string; data: Buffer }): AsyncGenerator<Buffer> {
  yield* inner;
  if (extra) yield* tarEntry({ name: extra.name, type: 'file', mode: 0o644, size: extra.data.length, mtime: new Date() }, extra.data);
  yield TAR_END;
}

async function readStdin(ctx: CliContext): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of ctx.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function looksLikeArchive(b: Buffer): boolean {
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return true;
  if (b.subarray(0, 3).toString('latin1') === 'BZh' || b.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return true;
  return b.length >= 262 && b.subarray(257, 262).toString('latin1') === 'ustar';
}

interface Context {
  tar: Readable;
  dockerfile: string;
}

async function makeContext(ctx: CliContext, path: string, file: string | undefined): Promise<Context> {
  if (path === '-') {
    if (file === '-') throw new CliError('invalid argument: can\'t use stdin for both build context and dockerfile', 1);
    const data = await readStdin(ctx);
    if (looksLikeArchive(data)) return { tar: Readable.from([data]), dockerfile: file ?? 'Dockerfile' };
    // A Dockerfile alone on stdin: an empty context holding only it.
    return { tar: Readable.from(withExtra((async function* () {})(), { name: 'Dockerfile', data })), dockerfile: 'Dockerfile' };
  }
  const root = resolve(path);
  const st = await stat(root).catch(() => undefined);
  if (!st?.isDirectory()) throw new CliError(`unable to prepare context: path "${path}" not found`, 1);
  const ignoreText = await readFile(join(root, '.dockerignore'), 'utf8').catch(() => '');
  const ignore = IgnoreMatcher.fromContent(ignoreText);
  let dockerfile = 'Dockerfile';
  let extra: { name: string; data: Buffer } | undefined;
  if (file === '-') {
    dockerfile = `.dockerfile.${randomBytes(10).toString('hex')}`;
    extra = { name: dockerfile, data: await readStdin(ctx) };
  } else if (file !== undefined) {
    const abs = resolve(file);
    const rel = relative(root, abs);
    if (rel.startsWith('..') || rel === '' || rel.startsWith(sep)) {
      // Outside the context: sent under a private name, as docker does.
      const data = await readFile(abs).catch(() => {
        throw new CliError(`unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${abs}: no such file or directory`, 1);
      });
      dockerfile = `.dockerfile.${randomBytes(10).toString('hex')}`;
      extra = { name: dockerfile, data };
    } else dockerfile = rel.split(sep).join('/');
  }
  if (!extra && !(await lstat(join(root, dockerfile)).catch(() => undefined))) {
    throw new CliError(`unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${join(root, dockerfile)}: no such file or directory`, 1);
  }
  const keep = new Set([dockerfile, '.dockerignore']);
  return { tar: Readable.from(withExtra(dirTar(root, ignore, keep), extra)), dockerfile };
}

function keyValues(list: string[], env: NodeJS.ProcessEnv, fromEnv: boolean): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const kv of list) {
    const eq = kv.indexOf('=');
    if (eq >= 0) out[kv.slice(0, eq)] = kv.slice(eq + 1);
    else if (fromEnv) out[kv] = env[kv] ?? null;
    else out[kv] = '';
  }
  return out;
}

export const build: Command = {
  spec: {
    name: 'build',
    usage: '[OPTIONS] PATH | URL | -',
    description: 'Build an image from a Dockerfile',
    minArgs: 1,
    maxArgs: 1,
    flags: [
      { name: 'file', short: 'f', type: 'string' },
      { name: 'tag', short: 't', type: 'list' },
      { name: 'build-arg', type: 'list' },
      { name: 'target', type: 'string' },
      { name: 'no-cache', type: 'bool' },
      { name: 'pull', type: 'bool' },
      { name: 'label', type: 'list' },
      { name: 'quiet', short: 'q', type: 'bool' },
      { name: 'iidfile', type: 'string' },
      { name: 'network', type: 'string' },
      { name: 'rm', type: 'bool' },
      { name: 'force-rm', type: 'bool' },
      { name: 'platform', type: 'string' },
      { name: 'compress', type: 'bool' },
    ],
  },
  async run(ctx, a) {
    const path = a.args[0];
    if (/^(https?|git):\/\/|^git@/.test(path)) throw new CliError('remote build contexts are not supported (no network access); clone or download the context and build from a directory', 1);
    const quiet = a.bool('quiet');
    const context = await makeContext(ctx, path, a.string('file'));
    let sent = 0;
    const counted = new PassThrough();
    context.tar.on('data', (c: Buffer) => (sent += c.length));
    context.tar.on('error', (e) => counted.destroy(e));
    context.tar.pipe(counted);
    const client = await ctx.client();
    const res = await client.call('POST', '/build', {
      query: {
        dockerfile: context.dockerfile,
        t: a.list('tag'),
        target: a.string('target'),
        buildargs: JSON.stringify(keyValues(a.list('build-arg'), ctx.env, true)),
        labels: JSON.stringify(keyValues(a.list('label'), ctx.env, false)),
        nocache: a.bool('no-cache') || undefined,
        pull: a.bool('pull') || undefined,
        q: quiet || undefined,
        networkmode: a.string('network'),
        rm: 1,
        forcerm: a.bool('force-rm') || undefined,
        version: '1',
      },
      body: counted,
      headers: { 'Content-Type': 'application/x-tar' },
    });
    // The daemon answers as soon as it starts reading; report the size once all of it went.
    await new Promise<void>((done) => {
      if (counted.readableEnded) return done();
      counted.once('end', done).once('close', done).once('error', () => done());
      res.once('close', done);
    });
    if (!quiet) ctx.stdout.write(`Sending build context to Docker daemon  ${humanSize(sent)}\n`);
    let id = '';
    for await (const m of jsonLines(res)) {
      const err = m.errorDetail as { message?: string; code?: number } | undefined;
      if (err || typeof m.error === 'string') {
        throw new CliError(err?.message ?? String(m.error), err?.code || 1);
      }
      const aux = m.aux as { ID?: string } | undefined;
      if (aux?.ID) id = aux.ID;
      if (typeof m.stream === 'string') ctx.stdout.write(m.stream);
    }
    const iidfile = a.string('iidfile');
    if (iidfile && id) await writeFile(iidfile, id);
    return 0;
  },
};
