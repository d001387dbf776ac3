import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { readFileSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { pushImage, sha256, tempDir, tinyImage } from './helpers.js';

const CLI_MODULE = fileURLToPath(new URL('../../src/distribution/registry-cli.js', import.meta.url));

/** Runs `wharf registry ARGS` through runRegistryCommand in a child process. */
function registryCli(args: string[]) {
  const code = `import(${JSON.stringify(CLI_MODULE)}).then((m) => m.runRegistryCommand(${JSON.stringify(args)})).then((c) => process.exit(c))`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const exit = new Promise<number>((resolve) => child.on('exit', (c, sig) => resolve(c ?? (sig ? 128 : 1))));
  return { child, exit, out: () => stdout, err: () => stderr };
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

test('wharf registry serve listens on --addr with --root, stops cleanly on SIGTERM; gc reports', async () => {
  const root = await tempDir('wharf-reg-cli-');
  const port = await freePort();
  const serve = registryCli(['serve', '--addr', `127.0.0.1:${port}`, '--root', root]);
  try {
    const url = `http://127.0.0.1:${port}`;
    let up = false;
    for (let i = 0; i < 100 && !up; i++) {
      up = await fetch(`${url}/v2/`).then((r) => r.status === 200, () => false);
      if (!up) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(up, `registry answered: ${serve.err()}`);
    await pushImage(url, 'cli/app', 'v1', tinyImage(1));
    serve.child.kill('SIGTERM');
    assert.equal(await serve.exit, 0);
    assert.match(serve.err(), /serving http:\/\/127\.0\.0\.1:\d+/);

    const gc = registryCli(['gc', '--root', root, '--dry-run']);
    assert.equal(await gc.exit, 0);
    assert.match(gc.out(), /3 referenced, 0 would delete, 0 unreferenced kept as recent/);
  } finally {
    serve.child.kill('SIGKILL');
    await rm(root, { recursive: true, force: true });
  }
});

test('wharf registry refuses bad usage with exit code 125', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['bogus'], /unknown command "bogus"/],
    [['serve', '--nope'], /Unknown option '--nope'/],
    [['serve', '--tls-cert', '/x'], /--tls-cert and --tls-key go together/],
    [['serve', '--token-realm', 'http://x'], /token auth also needs --token-service, --token-issuer, --token-cert/],
    [['gc', '--min-age', 'soon'], /invalid --min-age soon/],
    [['serve', '--workers', '0'], /invalid --workers 0/],
  ];
  for (const [args, message] of cases) {
    const run = registryCli(args);
    assert.equal(await run.exit, 125, args.join(' '));
    assert.match(run.err(), message);
  }
  const busy = registryCli(['serve', '--addr', 'not-an-address']);
  assert.equal(await busy.exit, 1);
  assert.match(busy.err(), /invalid address not-an-address/);
});

/** One request on a fresh connection (so the cluster hands it to the next worker). */
function once(url: string, method: string, headers: Record<string, string | number> = {}, body?: Buffer) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function childPids(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((t) =>
    readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
  );
}

test('--workers 2: worker processes share the port and upload sessions, and stop with the primary', async () => {
  const root = await tempDir('wharf-reg-workers-');
  const port = await freePort();
  const serve = registryCli(['serve', '--addr', `127.0.0.1:${port}`, '--root', root, '--workers', '2']);
  try {
    const url = `http://127.0.0.1:${port}`;
    let up = false;
    for (let i = 0; i < 100 && !up; i++) {
      up = await once(`${url}/v2/`, 'GET').then((r) => r.status === 200, () => false);
      if (!up) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(up, `registry answered: ${serve.err()}`);
    const workers = childPids(serve.child.pid!);
    assert.equal(workers.length, 2, 'two worker processes');

    // Each chunk on its own connection: consecutive chunks land on different workers.
    const data = randomBytes(6 * 50_000);
    const start = await once(`${url}/v2/spread/blobs/uploads/`, 'POST');
    assert.equal(start.status, 202);
    let loc = String(start.headers.location);
    for (let i = 0; i < 6; i++) {
      const chunk = data.subarray(i * 50_000, (i + 1) * 50_000);
      const res = await once(`${url}${loc}`, 'PATCH', { 'content-range': `${i * 50_000}-${(i + 1) * 50_000 - 1}`, 'content-length': chunk.length }, chunk);
      assert.equal(res.status, 202, res.body.toString());
      assert.equal(res.headers.range, `0-${(i + 1) * 50_000 - 1}`);
      loc = String(res.headers.location);
    }
    const done = await once(`${url}${loc}?digest=${sha256(data)}`, 'PUT', { 'content-length': 0 });
    assert.equal(done.status, 201, done.body.toString());
    const got = await once(`${url}/v2/spread/blobs/${sha256(data)}`, 'GET');
    assert.deepEqual(got.body, data);

    serve.child.kill('SIGTERM');
    assert.equal(await serve.exit, 0);
    for (const pid of workers) {
      let alive = true;
      for (let i = 0; i < 200 && alive; i++) {
        alive = (() => { try { process.kill(pid, 0); return true; } catch { return false; } })();
        if (alive) await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(alive, false, `worker ${pid} stopped`);
    }
  } finally {
    serve.child.kill('SIGKILL');
    await rm(root, { recursive: true, force: true });
  }
});
