/**
 * Shipping conmon's spool into the json-file log on the real engine: a chatty container
 * makes the daemon hand conmon a fresh spool (output is neither lost nor doubled), and a
 * daemon killed with -9 while a container writes picks up exactly where it stopped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { busyboxRootfsTar } from '../support/busybox-rootfs.js';
import { startWharfDaemon, type RunningDaemon } from '../support/daemons.js';
import { runCli } from '../support/run-cli.js';

const IMG = `ship-${randomBytes(3).toString('hex')}:1`;

async function withDaemon(f: (d: () => RunningDaemon, restart: () => Promise<void>) => Promise<void>): Promise<void> {
  let d = await startWharfDaemon();
  const base = d.dataRoot.replace(/\/data$/, '');
  try {
    const r = await runCli('docker', ['-H', d.host, 'import', '-', IMG], { input: await busyboxRootfsTar() });
    assert.equal(r.code, 0, r.stderr);
    await f(
      () => d,
      async () => {
        await d.crash();
        await new Promise((r) => setTimeout(r, 700)); // the container goes on writing meanwhile
        d = await startWharfDaemon({ base });
      },
    );
  } finally {
    const ids = (await runCli('docker', ['-H', d.host, 'ps', '-aq'])).stdout.split('\n').filter(Boolean);
    if (ids.length) await runCli('docker', ['-H', d.host, 'rm', '-f', ...ids]);
    await d.stop();
  }
}

const numbers = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${from + i}\n`).join('');

test('a chatty container: conmon gets fresh spools, the log has every line once, in order', async () => {
  await withDaemon(async (d) => {
    const dk = (args: string[]) => runCli('docker', ['-H', d().host, ...args]);
    const run = await dk(['run', '-d', IMG, 'sh', '-c', 'for i in $(seq 40); do seq $((i*1000-999)) $((i*1000)); sleep 0.05; done']);
    assert.equal(run.code, 0, run.stderr);
    const id = run.stdout.trim();
    const logPath = (await dk(['inspect', '-f', '{{.LogPath}}', id])).stdout.trim();
    const spool = join(dirname(logPath), 'conmon-spool.log');
    const inodes = new Set<number>();
    let largest = 0;
    for (;;) {
      const st = await stat(spool).catch(() => undefined);
      if (st) {
        inodes.add(st.ino);
        largest = Math.max(largest, st.size);
      }
      if ((await dk(['inspect', '-f', '{{.State.Status}}', id])).stdout.trim() !== 'running') break;
      await new Promise((r) => setTimeout(r, 30));
    }
    assert.equal((await dk(['wait', id])).stdout.trim(), '0');
    assert.ok(inodes.size >= 2, `the spool was never handed over (largest ${largest} bytes)`);
    const logs = await dk(['logs', id]);
    assert.equal(logs.stdout, numbers(1, 40000));
    const records = (await readFile(logPath, 'utf8')).split('\n').filter(Boolean);
    assert.equal(records.length, 40000);
    assert.equal((await stat(spool)).size, 0, 'a stopped container leaves an empty spool');
  });
});

test('kill -9 of the daemon while containers write: after restart every line is there once', async () => {
  await withDaemon(async (d, restart) => {
    const dk = (args: string[]) => runCli('docker', ['-H', d().host, ...args]);
    // Each line comes in two writes, so an unfinished line is often held when the daemon dies.
    // One container ends while the daemon is down. The others write half their lines, wait
    // for the test to say go (after the restart), then write the rest; one of them rotates
    // its json file every dozen lines or so, compressing the old ones.
    const lines = (from: number, to: number) => `i=${from}; while [ $i -lt ${to} ]; do printf "$i"; sleep 0.005; echo; i=$((i+1)); done`;
    const ctl = await mkdtemp(join(tmpdir(), 'wharf-ship-ctl-'));
    const waitGo = 'while [ ! -e /ctl/go ]; do sleep 0.02; done';
    const ids: Record<string, string> = {};
    const rotating = ['--log-opt', 'max-size=1k', '--log-opt', 'max-file=100', '--log-opt', 'compress=true'];
    const runs = [
      ['ends', 60, [], lines(0, 60)],
      ['goes-on', 400, [], `${lines(0, 200)}; ${waitGo}; ${lines(200, 400)}`],
      ['rotates', 400, rotating, `${lines(0, 200)}; ${waitGo}; ${lines(200, 400)}`],
    ] as const;
    try {
      for (const [name, , opts, script] of runs) {
        const run = await dk(['run', '-d', '-v', `${ctl}:/ctl:ro`, ...opts, IMG, 'sh', '-c', script]);
        assert.equal(run.code, 0, run.stderr);
        ids[name] = run.stdout.trim();
      }
      await new Promise((r) => setTimeout(r, 400));
      const before = (await dk(['logs', ids['goes-on']!])).stdout;
      assert.ok(before.length > 0, 'shipping had started');
      await restart();
      assert.equal((await dk(['inspect', '-f', '{{.State.Status}}', ids['goes-on']!])).stdout.trim(), 'running', 'the long one outlived the daemon');
      await writeFile(join(ctl, 'go'), '');
      for (const [name, n] of runs) {
        assert.equal((await dk(['wait', ids[name]!])).stdout.trim(), '0');
        const logs = await dk(['logs', ids[name]!]);
        assert.equal(logs.stdout, numbers(0, n - 1), name);
      }
      assert.ok((await dk(['logs', ids['goes-on']!])).stdout.startsWith(before));
    } finally {
      await rm(ctl, { recursive: true, force: true });
    }
    const rotatedLog = (await dk(['inspect', '-f', '{{.LogPath}}', ids['rotates']!])).stdout.trim();
    const gz = (await readdir(dirname(rotatedLog))).filter((f) => /-json\.log\.\d+\.gz$/.test(f));
    assert.ok(gz.length >= 10, `rotated ${gz.length} times`);
  });
});
