import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { busyboxRootfsTar } from '../support/busybox-rootfs.js';
import { removeCgroupParent, testCgroupParent } from '../support/cgroups.js';
import { daemonNetworkArgs, removeDaemonNetworks, testNetworkOptions } from '../support/network-options.js';
import { docker, httpRequest } from './api-harness.js';

const CHILD = fileURLToPath(new URL('./real-daemon-child.js', import.meta.url));

/**
 * The data-root lock against the real engine: containers' monitors (conmon) outlive a
 * kill -9 of the daemon and must not keep its lock, so a new daemon starts on the same
 * data root and socket and finds the container still running.
 */
describe('wharf daemon kill -9 and restart (real engine)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-restart-'));
  const sock = join(dir, 'wharf.sock');
  const host = `unix://${sock}`;
  // Its own bridge, subnets (no masquerading) and cgroup parent, removed afterwards.
  const net = testNetworkOptions();
  const cgroupParent = testCgroupParent();
  const args = ['--data-root', join(dir, 'root'), '--exec-root', join(dir, 'exec'), '-H', host, '--pidfile', join(dir, 'wharf.pid'), ...daemonNetworkArgs(net), '--cgroup-parent', cgroupParent];
  const daemons: ChildProcess[] = [];

  async function start(): Promise<ChildProcess> {
    const d = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    daemons.push(d);
    let err = '';
    d.stderr!.on('data', (c) => (err += c));
    for (let i = 0; ; i++) {
      if (d.exitCode !== null) throw new Error(`daemon exited: ${err}`);
      if (i > 200) throw new Error(`daemon did not come up: ${err}`);
      if (await httpRequest(sock, 'GET', '/_ping').then((r) => r.status === 200, () => false)) return d;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  after(async () => {
    try {
      if (daemons.at(-1)?.exitCode === null) {
        const ids = (await docker(host, ['ps', '-aq', '--no-trunc'])).stdout.split('\n').filter(Boolean);
        if (ids.length) await docker(host, ['rm', '-f', ...ids]);
      }
    } finally {
      for (const d of daemons) {
        if (d.exitCode === null && d.signalCode === null) {
          const exited = new Promise((r) => d.once('exit', r));
          d.kill('SIGTERM');
          await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
          if (d.exitCode === null) d.kill('SIGKILL');
        }
      }
      await removeDaemonNetworks(join(dir, 'root'), join(dir, 'exec'), net);
      removeCgroupParent(cgroupParent);
      const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(dir + '/'));
      for (const m of mounts.sort((a, b) => b.length - a.length)) execFileSync('umount', ['-l', m], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a running container survives kill -9 of the daemon and the next daemon takes the data root', async () => {
    const first = await start();
    const image = `restart${process.pid}:1`;
    assert.equal((await docker(host, ['import', '-', image], { input: await busyboxRootfsTar() })).code, 0);
    const name = `survivor${process.pid}`;
    const run = await docker(host, ['run', '-d', '--name', name, image, 'sh', '-c', 'echo before; sleep 60']);
    assert.equal(run.code, 0, run.stderr);
    const exited = new Promise((r) => first.once('exit', r));
    first.kill('SIGKILL');
    await exited;
    await start();
    const state = await docker(host, ['inspect', '-f', '{{.State.Status}}', name]);
    assert.equal(state.stdout.trim(), 'running', state.stderr);
    assert.equal((await docker(host, ['logs', name])).stdout, 'before\n');
  });
});
