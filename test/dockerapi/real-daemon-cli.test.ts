import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { busyboxRootfsTar } from '../support/busybox-rootfs.js';
import { removeCgroupParent, testCgroupParent } from '../support/cgroups.js';
import { daemonNetworkArgs, removeDaemonNetworks, testNetworkOptions } from '../support/network-options.js';
import { docker, httpRequest } from './api-harness.js';

const CHILD = fileURLToPath(new URL('./real-daemon-child.js', import.meta.url));

/** Unmounts anything left mounted under `dir` (deepest first) so it can be removed. */
function unmountUnder(dir: string): void {
  const mounts = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((m) => m.startsWith(dir + '/'))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) {
    try {
      execFileSync('umount', ['-l', m]);
    } catch {
      /* already gone */
    }
  }
}

/**
 * The docker CLI against `wharf daemon` with the real engine (runc, conmon, overlayfs):
 * the protocol-level checks of the API server end to end.
 */
describe('docker CLI against wharf daemon (real engine)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-realapi-'));
  const sock = join(dir, 'wharf.sock');
  const host = `unix://${sock}`;
  const image = `apitest${process.pid}:1`;
  let daemon: ChildProcess;
  let daemonErr = '';
  // Its own bridge, subnets (no masquerading) and cgroup parent, removed afterwards.
  const net = testNetworkOptions();
  const cgroupParent = testCgroupParent();

  before(async () => {
    daemon = spawn(process.execPath, [CHILD, '--data-root', join(dir, 'root'), '--exec-root', join(dir, 'exec'), '-H', host, '--pidfile', join(dir, 'wharf.pid'), ...daemonNetworkArgs(net), '--cgroup-parent', cgroupParent], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    daemon.stderr!.on('data', (d) => (daemonErr += d));
    for (let i = 0; ; i++) {
      if (daemon.exitCode !== null) throw new Error(`daemon exited: ${daemonErr}`);
      if (i > 200) throw new Error(`daemon did not come up: ${daemonErr}`);
      const up = await httpRequest(sock, 'GET', '/_ping').then((r) => r.status === 200, () => false);
      if (up) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const imported = await docker(host, ['import', '-c', 'CMD ["sh"]', '-', image], { input: await busyboxRootfsTar() });
    assert.equal(imported.code, 0, imported.stderr);
  });

  after(async () => {
    try {
      const ids = (await docker(host, ['ps', '-aq', '--no-trunc'])).stdout.split('\n').filter(Boolean);
      if (ids.length) await docker(host, ['rm', '-f', ...ids]);
    } finally {
      if (daemon.exitCode === null) {
        const exited = new Promise((r) => daemon.once('exit', r));
        daemon.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (daemon.exitCode === null) daemon.kill('SIGKILL');
      }
      await removeDaemonNetworks(join(dir, 'root'), join(dir, 'exec'), net);
      removeCgroupParent(cgroupParent);
      unmountUnder(dir);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('docker version has a server section at API 1.45', async () => {
    const r = await docker(host, ['version', '--format', '{{.Server.APIVersion}} {{.Server.MinAPIVersion}} {{.Client.APIVersion}}']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), '1.45 1.24 1.45');
  });

  it('docker info reports the data root and counts the imported image', async () => {
    const r = await docker(host, ['info', '--format', '{{.DockerRootDir}} {{.OSType}} {{.Images}}']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), `${join(dir, 'root')} linux 1`);
  });

  it('unknown objects get Docker error messages and exit codes', async () => {
    const inspect = await docker(host, ['inspect', 'nosuch']);
    assert.equal(inspect.code, 1);
    assert.match(inspect.stderr, /^Error: No such object: nosuch$/m);
    const rm = await docker(host, ['rm', 'nosuch']);
    assert.equal(rm.code, 1);
    assert.match(rm.stderr, /^Error response from daemon: No such container: nosuch$/m);
    const rmi = await docker(host, ['rmi', 'nosuchimage:9']);
    assert.equal(rmi.code, 1);
    assert.match(rmi.stderr, /No such image: nosuchimage:9/);
  });

  it('an unknown route is 404 page not found', async () => {
    const r = await httpRequest(sock, 'GET', '/v1.45/no/such/route');
    assert.equal(r.status, 404);
    assert.deepEqual(JSON.parse(r.body), { message: 'page not found' });
  });

  it('docker run --rm gives the output and exit code of a real container', async () => {
    const r = await docker(host, ['run', '--rm', '--network', 'none', image, 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
    assert.equal(r.code, 3);
  });

  it('detached container: logs, exec exit code, cp both ways, stop and rm', async () => {
    const name = `api${process.pid}`;
    const run = await docker(host, ['run', '-d', '--name', name, image, 'sh', '-c', 'echo ready; exec sleep 60']);
    assert.equal(run.code, 0, run.stderr);
    let logs = await docker(host, ['logs', name]);
    for (let i = 0; i < 50 && logs.stdout !== 'ready\n'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      logs = await docker(host, ['logs', name]);
    }
    assert.equal(logs.stdout, 'ready\n', logs.stderr);
    const exec = await docker(host, ['exec', name, 'sh', '-c', 'echo in-exec; exit 4']);
    assert.equal(exec.stdout, 'in-exec\n');
    assert.equal(exec.code, 4);
    const src = join(dir, 'payload.txt');
    writeFileSync(src, 'payload\n');
    assert.equal((await docker(host, ['cp', src, `${name}:/tmp/`])).code, 0);
    assert.equal((await docker(host, ['exec', name, 'cat', '/tmp/payload.txt'])).stdout, 'payload\n');
    const back = join(dir, 'back.txt');
    const cpOut = await docker(host, ['cp', `${name}:/tmp/payload.txt`, back]);
    assert.equal(cpOut.code, 0, cpOut.stderr);
    assert.equal(readFileSync(back, 'utf8'), 'payload\n');
    const top = await docker(host, ['top', name]);
    assert.equal(top.code, 0, top.stderr);
    assert.match(top.stdout, /sleep 60/);
    const stats = await docker(host, ['stats', '--no-stream', '--format', '{{.Name}} {{.PIDs}}', name]);
    assert.equal(stats.code, 0, stats.stderr);
    assert.equal(stats.stdout.trim(), `${name} 1`);
    const streamed = await new Promise<string[]>((resolve, reject) => {
      const req = request({ socketPath: sock, path: `/v1.45/containers/${name}/stats?stream=1` }, (res) => {
        let buf = '';
        res.on('data', (c) => {
          buf += c;
          const lines = buf.split('\n').filter(Boolean);
          if (lines.length >= 2) {
            res.destroy();
            resolve(lines);
          }
        });
        res.on('error', () => undefined);
      });
      req.on('error', reject);
      req.end();
    });
    assert.ok(streamed.every((l) => typeof JSON.parse(l).read === 'string'), 'each line is one stats JSON');
    const stop = await docker(host, ['stop', '-t', '1', name]);
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal((await docker(host, ['inspect', '-f', '{{.State.Status}}', name])).stdout.trim(), 'exited');
    assert.equal((await docker(host, ['rm', name])).code, 0);
  });

  it('image commands: tag, inspect, history, save/load round trip, rmi, prune, system prune', async () => {
    const tagged = `apitag${process.pid}:two`;
    assert.equal((await docker(host, ['tag', image, tagged])).code, 0);
    const inspect = await docker(host, ['image', 'inspect', '-f', '{{json .RepoTags}}|{{json .Config.Cmd}}', tagged]);
    const [tags, cmd] = inspect.stdout.trim().split('|');
    assert.deepEqual(JSON.parse(tags!).sort(), [image, tagged].sort());
    assert.deepEqual(JSON.parse(cmd!), ['sh']);
    const history = await docker(host, ['history', '--format', '{{.ID}}', tagged]);
    assert.equal(history.code, 0, history.stderr);
    assert.match(history.stdout, /^[0-9a-f]{12}\n/);
    const archive = join(dir, 'saved.tar');
    assert.equal((await docker(host, ['save', '-o', archive, tagged])).code, 0);
    const rmi = await docker(host, ['rmi', tagged]);
    assert.match(rmi.stdout, new RegExp(`Untagged: ${tagged}`));
    const load = await docker(host, ['load', '-i', archive]);
    assert.equal(load.code, 0, load.stderr);
    assert.match(load.stdout, new RegExp(`Loaded image: ${tagged}`));
    assert.equal((await docker(host, ['rmi', tagged])).code, 0);
    const prune = await docker(host, ['system', 'prune', '-f']);
    assert.equal(prune.code, 0, prune.stderr);
    const images = await docker(host, ['images', '--format', '{{.Repository}}:{{.Tag}}']);
    assert.equal(images.stdout.trim(), image);
  });

});
