/**
 * `wharf pull`, `push`, `login`, `logout`: docker's commands over the Engine API. Credentials live
 * in docker's config.json (shared with `docker login`); pull and push send them as X-Registry-Auth.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { jsonLines, type ApiClient } from '../api/client.js';
import { CliError } from '../cli-error.js';
import type { CliContext, Command } from '../context.js';
import { parseNormalizedNamed, refString, repoName, type Reference } from '../../reference/reference.js';
import { DOCKER_HUB_AUTH_KEY, authKey, dockerConfigPath, lookupAuth, removeAuth, storeAuth } from '../../distribution/client/docker-config.js';

function parseRef(s: string): Reference {
  try {
    return parseNormalizedNamed(s);
  } catch (err) {
    throw new CliError((err as Error).message, 1);
  }
}

/** X-Registry-Auth for a registry: docker's base64url JSON AuthConfig from config.json, or "{}". */
function registryAuthHeader(ctx: CliContext, domain: string): string {
  const a = lookupAuth(domain, ctx.env);
  return Buffer.from(JSON.stringify(a ?? {})).toString('base64url');
}

interface StreamMessage {
  id?: string;
  status?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
  aux?: unknown;
  stream?: string;
}

/**
 * Prints Docker's JSON progress stream as docker does: on a terminal one line per layer ID,
 * rewritten in place with its bar; otherwise plain lines, without the byte-count updates.
 */
export async function printProgress(res: Readable, out: NodeJS.WriteStream, tty: boolean): Promise<void> {
  const ids: string[] = [];
  for await (const raw of jsonLines(res)) {
    const m = raw as StreamMessage;
    if (m.errorDetail || typeof m.error === 'string') throw new CliError(m.errorDetail?.message ?? String(m.error), 1);
    if (m.aux !== undefined && !m.status) continue;
    if (typeof m.stream === 'string') {
      out.write(m.stream);
      continue;
    }
    if (!m.status) continue;
    if (!tty) {
      if (m.progressDetail?.total !== undefined) continue; // byte counts only animate a terminal
      out.write(`${m.id ? `${m.id}: ` : ''}${m.status}\n`);
      continue;
    }
    const line = `${m.id ? `${m.id}: ` : ''}${m.status}${m.progress ? ` ${m.progress}` : ''}`;
    if (!m.id) {
      out.write(`${line}\n`);
      ids.length = 0; // later IDs start a new block, as docker's
      continue;
    }
    const i = ids.indexOf(m.id);
    if (i < 0) {
      ids.push(m.id);
      out.write(`${line}\n`);
      continue;
    }
    const up = ids.length - i;
    out.write(`\x1b[${up}A\x1b[2K\r${line}\x1b[${up}B\r`);
  }
}

async function pullOne(ctx: CliContext, client: ApiClient, ref: Reference, opts: { platform?: string; quiet: boolean }): Promise<void> {
  const res = await client.call('POST', '/images/create', {
    query: { fromImage: repoName(ref), tag: ref.digest ?? ref.tag, platform: opts.platform },
    headers: { 'X-Registry-Auth': registryAuthHeader(ctx, ref.domain) },
  });
  const sink = opts.quiet ? ({ write: () => true } as unknown as NodeJS.WriteStream) : ctx.stdout;
  await printProgress(res, sink, !opts.quiet && ctx.stdout.isTTY === true);
}

export const pull: Command = {
  spec: {
    name: 'pull',
    usage: '[OPTIONS] NAME[:TAG|@DIGEST]',
    description: 'Download an image from a registry',
    minArgs: 1,
    maxArgs: 1,
    flags: [
      { name: 'all-tags', short: 'a', type: 'bool' },
      { name: 'quiet', short: 'q', type: 'bool' },
      { name: 'platform', type: 'string' },
      { name: 'disable-content-trust', type: 'bool' },
    ],
  },
  async run(ctx, a) {
    let ref = parseRef(a.args[0]);
    if (a.bool('all-tags')) throw new CliError('pulling all tags (--all-tags) is not supported by wharf yet', 1);
    const quiet = a.bool('quiet');
    if (!ref.tag && !ref.digest) {
      ref = { ...ref, tag: 'latest' };
      if (!quiet) ctx.stdout.write('Using default tag: latest\n');
    }
    const client = await ctx.client();
    await pullOne(ctx, client, ref, { platform: a.string('platform') ?? ctx.env.DOCKER_DEFAULT_PLATFORM, quiet });
    ctx.stdout.write(`${refString(ref)}\n`);
  },
};

export const push: Command = {
  spec: {
    name: 'push',
    usage: '[OPTIONS] NAME[:TAG]',
    description: 'Upload an image to a registry',
    minArgs: 1,
    maxArgs: 1,
    flags: [
      { name: 'all-tags', short: 'a', type: 'bool' },
      { name: 'quiet', short: 'q', type: 'bool' },
      { name: 'disable-content-trust', type: 'bool' },
      { name: 'platform', type: 'string' },
    ],
  },
  async run(ctx, a) {
    const ref = parseRef(a.args[0]);
    if (ref.digest) throw new CliError('invalid reference format: cannot push a digest reference', 1);
    const all = a.bool('all-tags');
    if (all && ref.tag) throw new CliError('tag can\'t be used with --all-tags/-a', 1);
    const quiet = a.bool('quiet');
    let tag = ref.tag;
    if (!tag && !all) {
      tag = 'latest';
      if (!quiet) ctx.stdout.write('Using default tag: latest\n');
    }
    const client = await ctx.client();
    const res = await client.call('POST', `/images/${repoName(ref)}/push`, {
      query: { tag },
      headers: { 'X-Registry-Auth': registryAuthHeader(ctx, ref.domain) },
    });
    const sink = quiet ? ({ write: () => true } as unknown as NodeJS.WriteStream) : ctx.stdout;
    await printProgress(res, sink, !quiet && ctx.stdout.isTTY === true);
    if (quiet) ctx.stdout.write(`${refString({ ...ref, tag })}\n`);
  },
};

/** The registry a login names: no argument or any spelling of Docker Hub → Docker Hub. */
function loginTarget(arg: string | undefined): { domain: string; key: string } {
  const host = (arg ?? '').replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
  const domain = !host || ['docker.io', 'index.docker.io', 'registry-1.docker.io'].includes(host) ? 'docker.io' : host;
  return { domain, key: authKey(domain) };
}

async function prompt(ctx: CliContext, question: string, hidden: boolean): Promise<string> {
  const rl = createInterface({ input: ctx.stdin, output: ctx.stdout, terminal: true });
  if (hidden) {
    // Echo nothing for the password, as docker does.
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
      if (s.includes('\n') || s === question) ctx.stdout.write(s);
    };
  }
  try {
    return await new Promise((resolve) => rl.question(question, resolve));
  } finally {
    rl.close();
    if (hidden) ctx.stdout.write('\n');
  }
}

async function readAllStdin(ctx: CliContext): Promise<string> {
  let s = '';
  for await (const c of ctx.stdin) s += typeof c === 'string' ? c : (c as Buffer).toString('utf8');
  return s.replace(/\r?\n$/, '');
}

export const login: Command = {
  spec: {
    name: 'login',
    usage: '[OPTIONS] [SERVER]',
    description: 'Authenticate to a registry',
    maxArgs: 1,
    flags: [
      { name: 'username', short: 'u', type: 'string' },
      { name: 'password', short: 'p', type: 'string' },
      { name: 'password-stdin', type: 'bool' },
    ],
  },
  async run(ctx, a) {
    const target = loginTarget(a.args[0]);
    let username = a.string('username');
    let password = a.string('password');
    if (password !== undefined) ctx.stderr.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
    if (a.bool('password-stdin')) {
      if (password !== undefined) throw new CliError('--password and --password-stdin are mutually exclusive', 1);
      if (!username) throw new CliError('Must provide --username with --password-stdin', 1);
      password = await readAllStdin(ctx);
    }
    const stored = lookupAuth(target.domain, ctx.env);
    if (!username && !password && stored) {
      username = stored.username;
      password = stored.password;
    }
    if (!username || password === undefined) {
      if (!ctx.stdin.isTTY) throw new CliError('Cannot perform an interactive login from a non TTY device', 1);
      if (!username) username = (await prompt(ctx, 'Username: ', false)).trim();
      if (!username) throw new CliError('Username cannot be empty', 1);
      password = await prompt(ctx, 'Password: ', true);
    }
    if (!password) throw new CliError('Password Required', 1);
    const client = await ctx.client();
    await client.json('POST', '/auth', { body: { username, password, serveraddress: target.key === DOCKER_HUB_AUTH_KEY ? DOCKER_HUB_AUTH_KEY : target.domain } });
    const file = storeAuth(target.domain, username, password, ctx.env);
    ctx.stderr.write(`WARNING! Your credentials are stored unencrypted in '${file}'.\nConfigure a credential helper to remove this warning. See\nhttps://docs.docker.com/go/credential-store/\n\n`);
    ctx.stdout.write('Login Succeeded\n');
  },
};

export const logout: Command = {
  spec: { name: 'logout', usage: '[SERVER]', description: 'Log out from a registry', maxArgs: 1, flags: [] },
  async run(ctx, a) {
    const target = loginTarget(a.args[0]);
    if (!removeAuth(target.domain, ctx.env)) {
      ctx.stdout.write(`Not logged in to ${target.key}\n`);
      return;
    }
    ctx.stdout.write(`Removing login credentials for ${target.key}\n`);
  },
};

export { dockerConfigPath };
