import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { docker, httpRequest } from './api-harness.js';
import { busyboxRootfsTar } from '../support/busybox-rootfs.js';
import { removeCgroupParent, testCgroupParent } from '../support/cgroups.js';
import { daemonNetworkArgs, removeDaemonNetworks, testNetworkOptions } from '../support/network-options.js';

// `wharf daemon` with the real engine: the daemon's locking, signals, listeners and TLS.
const CHILD = fileURLToPath(new URL('./real-daemon-child.js', import.meta.url));

interface Daemon {
  proc: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

function startDaemon(args: string[]): Daemon {
  const proc = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, stderr: () => err, exited };
}

async function waitForPing(socket: string, d: Daemon): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (d.proc.exitCode !== null) throw new Error(`daemon exited: ${d.stderr()}`);
    try {
      if ((await httpRequest(socket, 'GET', '/_ping')).status === 200) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`daemon did not come up: ${d.stderr()}`);
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('wharf daemon process', () => {
  const dirs: string[] = [];
  const procs: ChildProcess[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'wharf-daemon-'));
    dirs.push(d);
    return d;
  };
  // Each data root gets its own bridge, subnets (no masquerading) and cgroup parent, removed afterwards.
  const nets = new Map<string, { execRoot: string; net: ReturnType<typeof testNetworkOptions>; cgroupParent: string }>();
  const launch = (args: string[]) => {
    const i = args.indexOf('--data-root');
    const dataRoot = i >= 0 ? args[i + 1] : '';
    const e = args.indexOf('--exec-root');
    let entry = nets.get(dataRoot);
    if (!entry) {
      entry = { execRoot: e >= 0 ? args[e + 1] : '', net: testNetworkOptions(), cgroupParent: testCgroupParent() };
      if (dataRoot) nets.set(dataRoot, entry);
    }
    const d = startDaemon([...args, ...daemonNetworkArgs(entry.net), '--cgroup-parent', entry.cgroupParent]);
    procs.push(d.proc);
    return d;
  };
  after(async () => {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    for (const [dataRoot, { execRoot, net, cgroupParent }] of nets) {
      await removeDaemonNetworks(dataRoot, execRoot, net);
      removeCgroupParent(cgroupParent);
    }
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('serves unix and tcp, refuses a second daemon on the same data root, and shuts down on SIGTERM', async () => {
    const dir = tmp();
    const sock = join(dir, 'wharf.sock');
    const pidfile = join(dir, 'wharf.pid');
    const port = await freePort();
    const common = ['--data-root', join(dir, 'root'), '--exec-root', join(dir, 'exec')];
    const d = launch([...common, '-H', `unix://${sock}`, '-H', `tcp://127.0.0.1:${port}`, '--pidfile', pidfile]);
    await waitForPing(sock, d);
    assert.equal(readFileSync(pidfile, 'utf8').trim(), String(d.proc.pid));
    for (const host of [`unix://${sock}`, `tcp://127.0.0.1:${port}`]) {
      const v = await docker(host, ['version', '--format', '{{.Server.APIVersion}}']);
      assert.equal(v.code, 0, v.stderr);
      assert.equal(v.stdout.trim(), '1.45');
    }
    const second = launch([...common, '-H', `unix://${join(dir, 'other.sock')}`, '--pidfile', join(dir, 'other.pid')]);
    assert.equal(await second.exited, 1);
    assert.match(second.stderr(), new RegExp(`another wharf daemon \\(pid ${d.proc.pid}\\) is already running`));
    d.proc.kill('SIGTERM');
    assert.equal(await d.exited, 0);
    assert.equal(existsSync(sock), false, 'socket removed');
    assert.equal(existsSync(pidfile), false, 'pidfile removed');
  });

  it('after kill -9 the lock is free and the stale socket is replaced', async () => {
    const dir = tmp();
    const sock = join(dir, 'wharf.sock');
    const args = ['--data-root', join(dir, 'root'), '--exec-root', join(dir, 'exec'), '-H', `unix://${sock}`, '--pidfile', join(dir, 'wharf.pid')];
    const first = launch(args);
    await waitForPing(sock, first);
    first.proc.kill('SIGKILL');
    await first.exited;
    assert.equal(existsSync(sock), true, 'a killed daemon leaves its socket file');
    const again = launch(args);
    await waitForPing(sock, again);
    again.proc.kill('SIGTERM');
    assert.equal(await again.exited, 0);
  });

  it('--log-driver/--log-opt: the daemon\'s defaults go into containers\' LogConfig and info', async () => {
    const dir = await withImportedDaemon(['--log-opt', 'max-size=1k', '--log-opt', 'max-file=2'], 'logdefaults:1', async (host) => {
      assert.equal((await docker(host, ['info', '--format', '{{.LoggingDriver}}'])).stdout.trim(), 'json-file');
      // The container's own options win; the daemon's fill in the rest (as dockerd merges them).
      const run = await docker(host, ['run', '--name', 'chatty', '--log-opt', 'max-file=3', 'logdefaults:1', 'sh', '-c', 'for i in $(seq 100); do echo line-$i; done']);
      assert.equal(run.code, 0, run.stderr);
      const cfg = JSON.parse((await docker(host, ['inspect', '-f', '{{json .HostConfig.LogConfig}}', 'chatty'])).stdout);
      assert.deepEqual(cfg, { Type: 'json-file', Config: { 'max-file': '3', 'max-size': '1k' } });
      const logPath = (await docker(host, ['inspect', '-f', '{{.LogPath}}', 'chatty'])).stdout.trim();
      assert.ok(existsSync(`${logPath}.2`) && !existsSync(`${logPath}.3`), 'rotated into three files of about 1 KiB');
      assert.equal((await docker(host, ['logs', '--tail', '1', 'chatty'])).stdout, 'line-100\n');
      assert.equal((await docker(host, ['rm', 'chatty'])).code, 0);
    });
    const bad = launch(['--data-root', join(dir, 'root2'), '--log-opt', 'max-size=big']);
    assert.equal(await bad.exited, 125);
    assert.match(bad.stderr(), /failed to set log opts: invalid size: 'big'/);
  });

  it('--cpu-rt-runtime gives the parent cgroup a real-time budget that run and update hand out', { skip: !existsSync('/sys/fs/cgroup/cpu/cpu.rt_runtime_us') && 'the kernel has no real-time group scheduling' }, async () => {
    await withImportedDaemon(['--cpu-rt-period', '1000000', '--cpu-rt-runtime', '50000'], 'rt:1', async (host) => {
      const run = await docker(host, ['run', '-d', '--name', 'rt', '--cpu-rt-runtime', '10000', 'rt:1', 'sleep', '60']);
      assert.equal(run.code, 0, run.stderr);
      const budget = async () => (await docker(host, ['exec', 'rt', 'cat', '/sys/fs/cgroup/cpu/cpu.rt_runtime_us'])).stdout.trim();
      assert.equal(await budget(), '10000');
      assert.equal((await docker(host, ['inspect', '-f', '{{.HostConfig.CpuRealtimeRuntime}}', 'rt'])).stdout.trim(), '10000');
      const up = await docker(host, ['update', '--cpu-rt-runtime', '20000', 'rt']);
      assert.equal(up.code, 0, up.stderr);
      assert.equal(await budget(), '20000');
      const over = await docker(host, ['run', '--rm', '--cpu-rt-period', '1000', '--cpu-rt-runtime', '2000', 'rt:1', 'true']);
      assert.equal(over.code, 125);
      assert.match(over.stderr, /cpu real-time runtime cannot be higher than cpu real-time period/);
      assert.equal((await docker(host, ['rm', '-f', 'rt'])).code, 0);
    });
  });

  /** A daemon with extra flags and the busybox image as `image`, for the length of `f`; returns its folder. */
  async function withImportedDaemon(flags: string[], image: string, f: (host: string) => Promise<void>): Promise<string> {
    const dir = tmp();
    const sock = join(dir, 'wharf.sock');
    const d = launch(['--data-root', join(dir, 'root'), '--exec-root', join(dir, 'exec'), '-H', `unix://${sock}`, '--pidfile', join(dir, 'wharf.pid'), ...flags]);
    await waitForPing(sock, d);
    const host = `unix://${sock}`;
    try {
      assert.equal((await docker(host, ['import', '-', image], { input: await busyboxRootfsTar() })).code, 0);
      await f(host);
    } finally {
      d.proc.kill('SIGTERM');
      await d.exited;
    }
    return dir;
  }

  it('bad flags exit 125 with a message', async () => {
    const d = launch(['--no-such-flag']);
    assert.equal(await d.exited, 125);
    assert.match(d.stderr(), /no-such-flag/);
    const h = launch(['-H', 'ftp://x']);
    assert.equal(await h.exited, 125);
    assert.match(h.stderr(), /invalid daemon address/);
  });

  it('--tlsverify requires a client certificate signed by the CA (mutual TLS)', async () => {
    const dir = tmp();
    const ssl = (...a: string[]) => execFileSync('openssl', a, { cwd: dir, stdio: 'pipe' });
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=wharf-test-ca');
    for (const [name, ext] of [['server', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth'], ['client', 'extendedKeyUsage=clientAuth']] as const) {
      ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
      execFileSync('sh', ['-c', `printf '${ext}\\n' > ${name}.ext`], { cwd: dir });
      ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', '-extfile', `${name}.ext`);
    }
    const port = await freePort();
    const sock = join(dir, 'wharf.sock');
    const d = launch([
      '--data-root', join(dir, 'root'), '--exec-root', join(dir, 'exec'), '--pidfile', join(dir, 'wharf.pid'),
      '-H', `unix://${sock}`, '-H', `tcp://127.0.0.1:${port}`,
      '--tlsverify', '--tlscacert', join(dir, 'ca.pem'), '--tlscert', join(dir, 'server.pem'), '--tlskey', join(dir, 'server-key.pem'),
    ]);
    await waitForPing(sock, d);
    const host = `tcp://127.0.0.1:${port}`;
    const ok = await docker(host, ['--tlsverify', '--tlscacert', join(dir, 'ca.pem'), '--tlscert', join(dir, 'client.pem'), '--tlskey', join(dir, 'client-key.pem'), 'version', '--format', '{{.Server.APIVersion}}']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), '1.45');
    const tls = ['--tlsverify', '--tlscacert', join(dir, 'ca.pem'), '--tlscert', join(dir, 'client.pem'), '--tlskey', join(dir, 'client-key.pem')];
    const imported = await docker(host, [...tls, 'import', '-', 'tls-test:1'], { input: await busyboxRootfsTar() });
    assert.equal(imported.code, 0, imported.stderr);
    const run = await docker(host, [...tls, 'run', '--rm', '--network', 'none', 'tls-test:1', 'sh', '-c', 'echo over tls; exit 4']);
    assert.equal(run.stdout, 'over tls\n');
    assert.equal(run.code, 4);
    const noCert = await docker(host, ['--tlsverify', '--tlscacert', join(dir, 'ca.pem'), 'version']);
    assert.notEqual(noCert.code, 0);
    assert.doesNotMatch(noCert.stdout, /Server:/);
    d.proc.kill('SIGTERM');
    assert.equal(await d.exited, 0);
  });
});
