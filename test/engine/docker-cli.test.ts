/**
 * The unmodified docker CLI drives Wharf's daemon; where output shapes matter, the same
 * command against Docker's reference daemon is the yardstick.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemonPair, type DaemonPair } from '../support/daemon-pair.js';
import type { RunningDaemon } from '../support/daemons.js';
import { runCli } from '../support/run-cli.js';

const IMG = `cli-test-${randomBytes(3).toString('hex')}:1`;

describe('docker CLI against the Wharf daemon', () => {
  let pair: DaemonPair;
  let wharf: RunningDaemon;
  let dockerd: RunningDaemon;
  let tmp: string;
  const dk = (d: RunningDaemon, args: string[], input?: string | Buffer) => runCli('docker', ['-H', d.host, ...args], { input });
  const w = (args: string[], input?: string | Buffer) => dk(wharf, args, input);

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'wharf-cli-'));
    pair = await startDaemonPair(IMG, ['--change', 'CMD ["sh"]']);
    ({ wharf, dockerd } = pair);
  });
  after(async () => {
    await pair?.stop();
    await rm(tmp, { recursive: true, force: true });
  });

  test('version reports a server with API 1.41 or later', async () => {
    const r = await w(['version', '--format', '{{.Server.APIVersion}}']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(Number(r.stdout.trim().split('.')[1]) >= 41, r.stdout);
  });

  test('run --rm prints the output and exits with the command code', async () => {
    const ok = await w(['run', '--rm', '--network', 'none', IMG, 'echo', 'hi']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, 'hi\n');
    const three = await w(['run', '--rm', IMG, 'sh', '-c', 'echo err >&2; exit 3']);
    assert.equal(three.code, 3);
    assert.equal(three.stderr, 'err\n');
    assert.equal((await w(['ps', '-aq'])).stdout.trim(), '', '--rm removed the containers');
  });

  test('exit codes 127 for a missing command and 125 for a daemon error, as with dockerd', async () => {
    for (const d of [wharf, dockerd]) {
      const missing = await dk(d, ['run', '--rm', IMG, 'no-such-cmd']);
      assert.equal(missing.code, 127, `${d.kind}: ${missing.stderr}`);
      assert.match(missing.stderr, /executable file not found|no such file/);
      const bad = await dk(d, ['run', '--rm', '--name', 'bad name', IMG, 'true']);
      assert.equal(bad.code, 125, `${d.kind}: ${bad.stderr}`);
      assert.match(bad.stderr, /Invalid container name/);
    }
  });

  test('stdin flows with -i', async () => {
    const r = await w(['run', '--rm', '-i', IMG, 'sh', '-c', 'tr a-z A-Z'], 'shout\n');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'SHOUT\n');
  });

  test('detached container: ps, logs, exec, top, stop, rm', async () => {
    const run = await w(['run', '-d', '--name', 'web1', IMG, 'sh', '-c', 'echo started; exec sleep 300']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout.trim(), /^[0-9a-f]{64}$/);
    const ps = await w(['ps', '--format', '{{.Names}} {{.Status}}']);
    assert.match(ps.stdout, /^web1 Up /m);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await w(['logs', 'web1'])).stdout, 'started\n');
    const ex = await w(['exec', 'web1', 'sh', '-c', 'echo $((6*7))']);
    assert.equal(ex.stdout, '42\n');
    const exCode = await w(['exec', 'web1', 'sh', '-c', 'exit 5']);
    assert.equal(exCode.code, 5);
    const top = await w(['top', 'web1']);
    assert.match(top.stdout, /sleep 300/);
    assert.equal((await w(['stop', '-t', '1', 'web1'])).code, 0);
    const st = await w(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'web1']);
    assert.equal(st.stdout.trim(), 'exited 137');
    assert.equal((await w(['rm', 'web1'])).code, 0);
  });

  test('errors for unknown containers read like dockerd', async () => {
    for (const d of [wharf, dockerd]) {
      const r = await dk(d, ['rm', 'nosuch-container']);
      assert.equal(r.code, 1);
      assert.equal(r.stderr.trim(), 'Error response from daemon: No such container: nosuch-container');
      const i = await dk(d, ['inspect', 'nosuch-container']);
      assert.equal(i.code, 1);
      assert.match(i.stderr, /No such object: nosuch-container/);
    }
  });

  test('inspect has the same keys as dockerd, and ps the same header', async () => {
    const keys: Record<string, string[]> = {};
    const headers: Record<string, string> = {};
    for (const d of [wharf, dockerd]) {
      const c = await dk(d, ['create', '--network', 'none', '--name', 'shape', IMG, 'true']);
      assert.equal(c.code, 0, c.stderr);
      const obj = JSON.parse((await dk(d, ['inspect', 'shape'])).stdout)[0];
      keys[d.kind] = [...Object.keys(obj).sort(), ...Object.keys(obj.State).sort().map((k) => `State.${k}`), ...Object.keys(obj.Config).sort().map((k) => `Config.${k}`)];
      // Column names (widths depend on content such as "Less than a second ago").
      headers[d.kind] = (await dk(d, ['ps', '-a'])).stdout.split('\n')[0].split(/\s{2,}/).join('|');
      await dk(d, ['rm', 'shape']);
    }
    assert.deepEqual(keys.wharf, keys.docker);
    assert.equal(headers.wharf, headers.docker);
  });

  test('cp into and out of a container', async () => {
    await w(['create', '--name', 'files', IMG, 'true']);
    const src = join(tmp, 'note.txt');
    await writeFile(src, 'cargo\n');
    assert.equal((await w(['cp', src, 'files:/tmp/'])).code, 0);
    const back = join(tmp, 'back.txt');
    const out = await w(['cp', 'files:/tmp/note.txt', back]);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(await readFile(back, 'utf8'), 'cargo\n');
    const diff = await w(['diff', 'files']);
    assert.match(diff.stdout, /^A \/tmp\/note.txt$/m);
    await w(['rm', 'files']);
  });

  test('pause, unpause and kill', async () => {
    await w(['run', '-d', '--name', 'pz', IMG, 'sleep', '300']);
    assert.equal((await w(['pause', 'pz'])).code, 0);
    assert.equal((await w(['inspect', '-f', '{{.State.Status}}', 'pz'])).stdout.trim(), 'paused');
    assert.equal((await w(['unpause', 'pz'])).code, 0);
    assert.equal((await w(['kill', 'pz'])).code, 0);
    assert.equal((await w(['inspect', '-f', '{{.State.ExitCode}}', 'pz'])).stdout.trim(), '137');
    const again = await w(['kill', 'pz']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /is not running/);
    await w(['rm', 'pz']);
  });

  test('a paused container can be killed, stopped and force-removed at once, as with dockerd', async () => {
    const paused = async (name: string) => {
      assert.equal((await w(['run', '-d', '--name', name, IMG, 'sleep', '300'])).code, 0);
      assert.equal((await w(['pause', name])).code, 0);
    };
    await paused('pk');
    assert.equal((await w(['kill', 'pk'])).code, 0);
    assert.equal((await w(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'pk'])).stdout.trim(), 'exited 137');
    await paused('ps');
    const started = Date.now();
    assert.equal((await w(['stop', '-t', '1', 'ps'])).code, 0);
    assert.equal((await w(['inspect', '-f', '{{.State.Status}}', 'ps'])).stdout.trim(), 'exited');
    await paused('pr');
    assert.equal((await w(['rm', '-f', 'pr'])).code, 0);
    assert.ok(Date.now() - started < 15_000, 'none of them waited for a timeout');
    assert.equal((await w(['inspect', 'pr'])).code, 1);
    await w(['rm', 'pk', 'ps']);
  });
  test('health checks run on their interval; --init runs docker-init as PID 1', async () => {
    const r = await w(['run', '-d', '--name', 'hc', '--health-cmd', 'test -f /tmp/ok', '--health-interval', '1s', '--health-retries', '1', IMG, 'sh', '-c', 'touch /tmp/ok; exec sleep 300']);
    assert.equal(r.code, 0, r.stderr);
    const status = async () => (await w(['inspect', '-f', '{{.State.Health.Status}}', 'hc'])).stdout.trim();
    const until = async (want: string) => {
      for (let i = 0; i < 40 && (await status()) !== want; i++) await new Promise((res) => setTimeout(res, 250));
      return status();
    };
    assert.equal(await until('healthy'), 'healthy');
    assert.match((await w(['ps', '--filter', 'name=hc', '--format', '{{.Status}}'])).stdout, /\(healthy\)/);
    await w(['exec', 'hc', 'rm', '/tmp/ok']);
    assert.equal(await until('unhealthy'), 'unhealthy');
    await w(['rm', '-f', 'hc']);
    const init = await w(['run', '--rm', '--init', IMG, 'sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "']);
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stdout, /^\/sbin\/docker-init -- sh/);
  });
  test('--cpu-rt-runtime without a daemon budget fails as with dockerd; runtime above period is refused alike', async () => {
    const [wr, dr] = await Promise.all([wharf, dockerd].map((d) => dk(d, ['run', '--rm', '--network', 'none', '--cpu-rt-runtime', '10000', IMG, 'true'])));
    assert.equal(wr!.code, dr!.code);
    assert.equal(wr!.code, 125);
    for (const r of [wr!, dr!]) assert.match(r.stderr, /cpu\.rt_runtime_us: invalid argument/, r.stderr);
    const [wo, dout] = await Promise.all([wharf, dockerd].map((d) => dk(d, ['run', '--rm', '--cpu-rt-period', '1000', '--cpu-rt-runtime', '2000', IMG, 'true'])));
    assert.equal(wo!.code, dout!.code);
    assert.equal(wo!.stderr.split('\n')[0], dout!.stderr.split('\n')[0]);
  });
});
