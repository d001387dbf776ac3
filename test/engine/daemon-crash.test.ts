/**
 * kill -9 of the daemon at any moment: after a restart every container is in its true
 * state, running ones still running with their logs, exited ones with their real code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { busyboxRootfsTar } from '../support/busybox-rootfs.js';
import { startWharfDaemon, WHARF_BIN, type RunningDaemon } from '../support/daemons.js';
import { runCli } from '../support/run-cli.js';

const IMG = `crash-${randomBytes(3).toString('hex')}:1`;

test('containers survive a daemon kill -9 and are reconciled on restart', async () => {
  let d: RunningDaemon | undefined = await startWharfDaemon();
  const base = d.dataRoot.replace(/\/data$/, '');
  const dk = (args: string[], input?: Buffer) => runCli('docker', ['-H', d!.host, ...args], { input });
  try {
    assert.equal((await dk(['import', '-', IMG], await busyboxRootfsTar())).code, 0);
    assert.equal((await dk(['run', '-d', '--name', 'keeps', IMG, 'sh', '-c', 'echo before; trap "exit 9" TERM; while true; do sleep 0.1; done'])).code, 0);
    assert.equal((await dk(['run', '-d', '--name', 'ends', IMG, 'sh', '-c', 'sleep 1; exit 4'])).code, 0);
    assert.equal((await dk(['run', '-d', '--name', 'again', '--restart', 'always', IMG, 'sleep', '300'])).code, 0);
    // Stopped auto-remove containers are removed when the daemon comes back (dockerd does the same).
    assert.equal((await dk(['create', '--rm', '--name', 'gone-created', IMG, 'true'])).code, 0);
    assert.equal((await dk(['run', '-d', '--rm', '--name', 'gone-exited', IMG, 'sh', '-c', 'sleep 0.5'])).code, 0);

    // A second daemon on the same data root must refuse to start.
    const twice = await runCli(process.execPath, [WHARF_BIN, 'daemon', '--data-root', d.dataRoot, '--exec-root', d.execRoot, '-H', `unix://${base}/other.sock`, '--pidfile', `${base}/other.pid`], { timeoutMs: 15000 });
    assert.notEqual(twice.code, 0);
    assert.match(twice.stderr + twice.stdout, /already|lock|in use|running/i);

    await d.crash();
    await new Promise((r) => setTimeout(r, 1500)); // "ends" exits while no daemon runs
    d = await startWharfDaemon({ base });

    const state = async (n: string) => (await dk(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', n])).stdout.trim();
    assert.equal(await state('keeps'), 'running 0');
    assert.equal(await state('ends'), 'exited 4');
    assert.equal(await state('again'), 'running 0');
    for (const gone of ['gone-created', 'gone-exited']) {
      const r = await dk(['inspect', gone]);
      assert.equal(r.code, 1, `${gone} is still there`);
      assert.match(r.stderr, /No such (object|container)/);
    }
    assert.equal((await dk(['logs', 'keeps'])).stdout, 'before\n');
    const ex = await dk(['exec', 'keeps', 'echo', 'still-here']);
    assert.equal(ex.stdout, 'still-here\n');
    assert.equal((await dk(['stop', '-t', '5', 'keeps'])).code, 0);
    assert.equal(await state('keeps'), 'exited 9');
  } finally {
    if (d) {
      const ids = (await dk(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
      if (ids.length) await dk(['rm', '-f', ...ids]);
      await d.stop();
    }
  }
});
