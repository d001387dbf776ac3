import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { pushImage, tempDir, tinyImage } from './helpers.js';

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
