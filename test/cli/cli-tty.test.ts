/**
 * Terminal behaviour of the wharf CLI: -it through a real pseudo-terminal (util-linux
 * `script`), the detach keys, and --sig-proxy forwarding signals to the container.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { CLI_MAIN, daemonWithBusybox, uniqueName, wharf, type TestDaemon } from './test-daemon.js';

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Polls until the named container runs (the CLI's terminal is raw by then). */
async function whenRunning(d: TestDaemon, name: string): Promise<void> {
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    if ((await wharf(d, ['inspect', '-f', '{{.State.Running}}', name])).stdout === 'true\n') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not start`);
}

/** Runs the CLI inside a pseudo-terminal, typing `keys` once `ready` resolves. */
function inPty(d: TestDaemon, args: string[], keys: string, ready: Promise<void>): Promise<{ code: number; output: string }> {
  const cmd = [process.execPath, CLI_MAIN, ...args].map(shellQuote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { env: { ...process.env, DOCKER_HOST: d.host, WHARF_HOST: d.host }, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    let typing: NodeJS.Timeout | undefined;
    ready.then(
      () => (typing = setTimeout(() => child.stdin.write(keys), 300)),
      () => child.kill('SIGKILL'),
    );
    const kill = setTimeout(() => child.kill('SIGKILL'), 60000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(typing);
      clearTimeout(kill);
      resolve({ code: code ?? 1, output });
    });
  });
}

describe('wharf CLI: terminals and signals', () => {
  let d: TestDaemon;
  const image = `${uniqueName('wh-cli-tty')}:1`;
  const names: string[] = [];

  daemonWithBusybox(image, names, (x) => (d = x));

  test('run -it: a real TTY inside, typed input reaches it, the exit code comes back', async () => {
    const name = uniqueName('wh-cli-it');
    const r = await inPty(d, ['run', '--rm', '-it', '--name', name, '--network', 'none', image, 'sh', '-c', 'tty; read x; echo got-$x; exit 6'], 'hello\n', whenRunning(d, name));
    assert.match(r.output, /\/dev\/pts\/\d+/);
    assert.match(r.output, /got-hello/);
    assert.equal(r.code, 6);
  });

  test('the detach keys leave the container running and exit 0', async () => {
    const name = uniqueName('wh-cli-detach');
    names.push(name);
    const r = await inPty(d, ['run', '-it', '--name', name, '--network', 'none', image, 'sleep', '120'], '\x10\x11', whenRunning(d, name));
    assert.equal(r.code, 0);
    assert.equal((await wharf(d, ['inspect', '-f', '{{.State.Running}}', name])).stdout, 'true\n');
    const custom = uniqueName('wh-cli-detach2');
    names.push(custom);
    const r2 = await inPty(d, ['run', '-it', '--detach-keys', 'ctrl-a,x', '--name', custom, '--network', 'none', image, 'sleep', '120'], '\x01x', whenRunning(d, custom));
    assert.equal(r2.code, 0);
    assert.equal((await wharf(d, ['inspect', '-f', '{{.State.Running}}', custom])).stdout, 'true\n');
  });

  test('-it without a terminal is refused as docker refuses it', async () => {
    const r = await wharf(d, ['run', '--rm', '-it', '--network', 'none', image, 'true']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'the input device is not a TTY\n');
  });

  test('signals sent to wharf run reach the container (--sig-proxy)', async () => {
    const child = spawn(process.execPath, [CLI_MAIN, 'run', '--rm', '--network', 'none', image, 'sh', '-c', 'trap "echo got-term; exit 9" TERM; echo ready; while true; do sleep 0.1; done'], {
      env: { ...process.env, DOCKER_HOST: d.host, WHARF_HOST: d.host },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const ready = new Promise<void>((resolve) =>
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('ready')) resolve();
      }),
    );
    const closed = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
    const guard = setTimeout(() => child.kill('SIGKILL'), 60000);
    await ready;
    child.kill('SIGTERM');
    const code = await closed;
    clearTimeout(guard);
    assert.deepEqual({ code, out, err }, { code: 9, out: 'ready\ngot-term\n', err: '' });
  });
});
