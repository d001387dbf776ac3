import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { engineFixture } from '../support/engine-fixture.js';
import { sha256 } from '../registry/helpers.js';
import { ApiClient } from '../../src/cli/api/client.js';
import { resolveEndpoint } from '../../src/cli/api/endpoint.js';
import { parseArgs } from '../../src/cli/args.js';
import type { CliContext, Command } from '../../src/cli/context.js';
import { login, logout, pull, push } from '../../src/cli/commands/distribution.js';
import { startDockerRegistry, type RunningDockerRegistry } from './docker-registry.js';
import { run, serveDistributionApi, type ServedApi } from './api-harness.js';

/** Runs a wharf command in-process against the test daemon; returns its output and exit status. */
async function wharf(host: string, env: NodeJS.ProcessEnv, cmd: Command, argv: string[], input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const errOut = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (c) => (stdout += c));
  errOut.on('data', (c) => (stderr += c));
  const ctx: CliContext = {
    stdout: out as unknown as NodeJS.WriteStream,
    stderr: errOut as unknown as NodeJS.WriteStream,
    stdin: Readable.from([Buffer.from(input)]) as unknown as NodeJS.ReadStream,
    commandName: cmd.spec.name,
    env,
    client: async () => {
      const c = new ApiClient(resolveEndpoint([host], { tls: false, tlsverify: false }, env));
      await c.negotiate();
      return c;
    },
  };
  try {
    const code = (await cmd.run(ctx, parseArgs(cmd.spec, argv))) ?? 0;
    return { code, stdout, stderr };
  } catch (err) {
    return { code: (err as { exitCode?: number }).exitCode ?? 1, stdout, stderr: stderr + (err as Error).message };
  }
}

describe('login, push, pull and logout: the docker CLI and wharf share config.json', () => {
  let fx: Awaited<ReturnType<typeof engineFixture>>;
  let api: ServedApi;
  let reg: RunningDockerRegistry;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const dockerCli = (args: string[], input?: string) => run('/usr/local/bin/docker', ['-H', api.host, ...args], { env, input });
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wharf-dc-cli-'));
    const htpasswd = join(dir, 'htpasswd');
    await writeFile(htpasswd, execFileSync('htpasswd', ['-Bbn', 'alice', 's3cret'], { encoding: 'utf8' }));
    reg = await startDockerRegistry(join(dir, 'reg'), { htpasswd });
    fx = await engineFixture();
    api = await serveDistributionApi(fx.engine);
    env = { HOME: dir, DOCKER_CONFIG: join(dir, 'docker-config') };
  });
  after(async () => {
    await api?.close();
    await fx?.cleanup();
    await reg?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('docker login checks credentials through POST /auth; docker push through the daemon', async () => {
    const bad = await dockerCli(['login', '-u', 'alice', '--password-stdin', reg.host], 'wrong\n');
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr.trim().split('\n').at(-1), `Error response from daemon: login attempt to http://${reg.host}/v2/ failed with status: 401 Unauthorized`);
    const good = await dockerCli(['login', '-u', 'alice', '--password-stdin', reg.host], 's3cret\n');
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /Login Succeeded/);
    assert.equal((await dockerCli(['tag', 'busybox', `${reg.host}/team/bb:1`])).code, 0);
    const p = await dockerCli(['push', `${reg.host}/team/bb:1`]);
    assert.equal(p.code, 0, p.stderr);
    assert.match(p.stdout, new RegExp(`^The push refers to repository \\[${reg.host}/team/bb\\]$`, 'm'));
    const m = /^1: digest: (sha256:[a-f0-9]{64}) size: (\d+)$/m.exec(p.stdout);
    assert.ok(m, p.stdout);
    const raw = await run('skopeo', ['inspect', '--raw', '--tls-verify=false', '--creds', 'alice:s3cret', `docker://${reg.host}/team/bb:1`]);
    assert.equal(sha256(Buffer.from(raw.stdout)), m[1]);
    assert.equal(Buffer.byteLength(raw.stdout), Number(m[2]));
  });

  test('wharf logout removes docker\'s entry; pushes are then refused; wharf login stores one docker reads', async () => {
    const out = await wharf(api.host, env, logout, [reg.host]);
    assert.equal(out.stdout, `Removing login credentials for ${reg.host}\n`);
    assert.equal((await wharf(api.host, env, logout, [reg.host])).stdout, `Not logged in to ${reg.host}\n`);
    const refused = await wharf(api.host, env, push, [`${reg.host}/team/bb:1`]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /unauthorized/);
    const noTty = await wharf(api.host, env, login, [reg.host]);
    assert.equal(noTty.code, 1);
    assert.match(noTty.stderr, /Cannot perform an interactive login from a non TTY device/);
    const li = await wharf(api.host, env, login, ['-u', 'alice', '--password-stdin', reg.host], 's3cret\n');
    assert.equal(li.code, 0, li.stderr);
    assert.equal(li.stdout, 'Login Succeeded\n');
    const cfg = JSON.parse(await readFile(join(env.DOCKER_CONFIG!, 'config.json'), 'utf8')) as { auths: Record<string, { auth: string }> };
    assert.equal(Buffer.from(cfg.auths[reg.host].auth, 'base64').toString(), 'alice:s3cret');
    const pushed = await wharf(api.host, env, push, [`${reg.host}/team/bb:1`]);
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.match(pushed.stdout, /: Layer already exists$/m);
    assert.match(pushed.stdout, /^1: digest: sha256:[a-f0-9]{64} size: \d+$/m);
    // The docker CLI uses the entry wharf wrote.
    const dl = await dockerCli(['pull', `${reg.host}/team/bb:1`]);
    assert.equal(dl.code, 0, dl.stderr);
  });

  test('wharf pull prints docker\'s plain lines and the full reference', async () => {
    await fx.engine.images.remove(`${reg.host}/team/bb:1`, { force: true }).catch(() => []);
    const r = await wharf(api.host, env, pull, [`${reg.host}/team/bb`]);
    assert.equal(r.code, 1, 'latest was never pushed');
    assert.match(r.stdout, /^Using default tag: latest$/m);
    assert.match(r.stderr, /manifest for .*team\/bb:latest not found/);
    const ok = await wharf(api.host, env, pull, [`${reg.host}/team/bb:1`]);
    assert.equal(ok.code, 0, ok.stderr);
    const lines = ok.stdout.trim().split('\n');
    assert.equal(lines[0], '1: Pulling from team/bb');
    assert.ok(!lines.some((l) => l.includes('Downloading')), 'no byte counts off a terminal');
    assert.match(ok.stdout, /^Status: (Downloaded newer image|Image is up to date) for /m);
    assert.equal(lines.at(-1), `${reg.host}/team/bb:1`);
    const bad = await wharf(api.host, env, pull, ['Bad/Name']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /invalid reference format/);
  });
});
