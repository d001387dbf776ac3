/**
 * `wharf build` (the CLI command, run in-process until the lead registers it in main.ts)
 * and the real docker CLI, both against Wharf's API on a real engine: .dockerignore
 * filtering on the client, -f outside the context, stdin Dockerfile, -q, --iidfile,
 * --target errors, parallel stages.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ApiClient } from '../../src/cli/api/client.js';
import { resolveEndpoint } from '../../src/cli/api/endpoint.js';
import { parseArgs } from '../../src/cli/args.js';
import { ApiError, CliError } from '../../src/cli/cli-error.js';
import { build as buildCmd } from '../../src/cli/commands/build.js';
import type { CliContext } from '../../src/cli/context.js';
import { DockerApi } from '../../src/dockerapi/server.js';
import { engineFixture } from '../support/engine-fixture.js';
import { quietLog } from '../dockerapi/api-harness.js';
import { dockerCli } from './build-api.js';

let fx: Awaited<ReturnType<typeof engineFixture>>;
let server: Server;
let host: string;
let work: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'wharf-build-cli-'));
  fx = await engineFixture();
  const api = new DockerApi({ engine: fx.engine, log: quietLog });
  server = createServer();
  api.attach(server);
  const sock = join(work, 'api.sock');
  await new Promise<void>((r) => server.listen(sock, r));
  host = `unix://${sock}`;
});

after(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  await fx?.cleanup();
  await rm(work, { recursive: true, force: true });
});

/** Runs `wharf build ARGS` in-process; returns its exit code and output. */
async function wharfBuild(args: string[], stdin?: string | Buffer): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  const sink = (fn: (s: string) => void) => ({ write: (c: string | Buffer) => (fn(c.toString()), true) }) as unknown as NodeJS.WriteStream;
  const input = stdin === undefined ? Readable.from([]) : Readable.from([Buffer.from(stdin)]);
  let client: ApiClient | undefined;
  const ctx: CliContext = {
    stdout: sink((s) => (stdout += s)),
    stderr: sink(() => {}),
    stdin: input as unknown as NodeJS.ReadStream,
    commandName: 'build',
    env: {},
    client: async () => {
      client ??= new ApiClient(resolveEndpoint([host], { tls: false, tlsverify: false }, {}));
      await client.negotiate();
      return client;
    },
  };
  try {
    const code = await buildCmd.run(ctx, parseArgs(buildCmd.spec, args));
    return { code: code ?? 0, stdout, stderr: '' };
  } catch (err) {
    if (err instanceof CliError) return { code: err.exitCode, stdout, stderr: err.message };
    if (err instanceof ApiError) return { code: 1, stdout, stderr: err.display };
    throw err;
  }
}

test('wharf build: .dockerignore filtering, tags, iidfile, output like docker', async () => {
  const ctx = join(work, 'ctx1');
  await mkdir(join(ctx, 'logs'), { recursive: true });
  await writeFile(join(ctx, 'Dockerfile'), 'FROM busybox\nCOPY . /ctx/\nRUN ls -A /ctx | sort | tr "\\n" " "; echo\n');
  await writeFile(join(ctx, '.dockerignore'), 'logs\n*.secret\n!keep.secret\n');
  await writeFile(join(ctx, 'logs', 'a.log'), 'x');
  await writeFile(join(ctx, 'a.secret'), 's');
  await writeFile(join(ctx, 'keep.secret'), 'k');
  await writeFile(join(ctx, 'app.js'), 'js');
  const iid = join(work, 'iid');
  const r = await wharfBuild(['-t', 'cli:one', '-t', 'cli:two', '--iidfile', iid, ctx]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^Sending build context to Docker daemon {2}[\d.]+k?B\n/);
  assert.match(r.stdout, /\n\.dockerignore Dockerfile app\.js keep\.secret \n/);
  assert.match(r.stdout, /Successfully tagged cli:one\nSuccessfully tagged cli:two\n$/);
  const id = await readFile(iid, 'utf8');
  assert.match(id, /^sha256:[0-9a-f]{64}$/);
  assert.equal((await fx.engine.images.get('cli:two')).id, id);
  // The docker CLI sends the same filtered context: the rebuild is all cache hits, same image.
  const d = await dockerCli(host, ['build', '-q', ctx]);
  assert.equal(d.code, 0, d.stderr);
  assert.equal(d.stdout.trim(), id);
});

test('wharf build: -q prints only the ID; Dockerfile from stdin; -f outside the context', async () => {
  const q = await wharfBuild(['-q', '-'], 'FROM busybox\nLABEL x=y\n');
  assert.equal(q.code, 0);
  assert.match(q.stdout, /^sha256:[0-9a-f]{64}\n$/);
  const ctx = join(work, 'ctx2');
  await mkdir(ctx, { recursive: true });
  await writeFile(join(ctx, 'data.txt'), 'data\n');
  const df = join(work, 'Other.dockerfile');
  await writeFile(df, 'FROM busybox\nCOPY data.txt /d\nRUN cat /d\n');
  const r = await wharfBuild(['-f', df, ctx]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /\ndata\n/);
});

test('wharf build: errors exit like docker (RUN exit code, unknown target, missing Dockerfile)', async () => {
  const ctx = join(work, 'ctx3');
  await mkdir(ctx, { recursive: true });
  await writeFile(join(ctx, 'Dockerfile'), 'FROM busybox AS a\nRUN exit 4\n');
  const fail = await wharfBuild([ctx]);
  assert.equal(fail.code, 4);
  assert.equal(fail.stderr, "The command '/bin/sh -c exit 4' returned a non-zero code: 4");
  const target = await wharfBuild(['--target', 'zzz', ctx]);
  assert.equal(target.code, 1);
  assert.match(target.stderr, /failed to reach build target zzz in Dockerfile/);
  const none = await wharfBuild([join(work, 'nowhere')]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /unable to prepare context/);
  assert.deepEqual(await fx.engine.containers.list({ all: true }), []);
});

test('independent stages build concurrently; output stays in Dockerfile order', async () => {
  const ctx = join(work, 'ctx4');
  await mkdir(ctx, { recursive: true });
  // Each stage records when its RUN started and ended; overlapping intervals prove concurrency.
  await writeFile(
    join(ctx, 'Dockerfile'),
    [
      'FROM busybox AS one',
      'RUN date +%s > /start && sleep 3 && date +%s > /end',
      'FROM busybox AS two',
      'RUN date +%s > /start && sleep 3 && date +%s > /end',
      'FROM busybox',
      'COPY --from=one /start /end /one/',
      'COPY --from=two /start /end /two/',
      'RUN cat /one/start /one/end /two/start /two/end | tr "\\n" " " > /times',
    ].join('\n'),
  );
  const r = await wharfBuild(['--no-cache', '-t', 'par:test', ctx]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const { Id } = await fx.engine.containers.create({ Image: 'par:test', Cmd: ['cat', '/times'] }, {});
  let times = '';
  try {
    const wait = fx.engine.containers.wait(Id, 'next-exit');
    await fx.engine.containers.start(Id);
    await wait;
    for await (const e of (await fx.engine.containers.logs(Id, { stdout: true })).entries) times += e.data.toString();
  } finally {
    await fx.engine.containers.remove(Id, { force: true });
  }
  const [s1, e1, s2, e2] = times.trim().split(' ').map(Number);
  assert.ok(s2 < e1 && s1 < e2, `stage RUNs did not overlap: ${times}`);
  const steps = r.stdout.split('\n').filter((l) => l.startsWith('Step '));
  assert.deepEqual(steps.map((l) => l.split(' :')[0]), ['Step 1/8', 'Step 2/8', 'Step 3/8', 'Step 4/8', 'Step 5/8', 'Step 6/8', 'Step 7/8', 'Step 8/8']);
});
