import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeCgroupParent, testCgroupParent } from './cgroups.js';
import { daemonNetworkArgs, removeDaemonNetworks, testNetworkOptions } from './network-options.js';

/** The checkout's root, from dist/test/support/ */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const WHARF_BIN = join(REPO_ROOT, 'bin', 'wharf');

export interface RunningDaemon {
  kind: 'wharf' | 'docker';
  /** unix:///… for -H / DOCKER_HOST */
  host: string;
  socket: string;
  dataRoot: string;
  execRoot: string;
  proc: ChildProcess;
  /** Stop (SIGTERM, then SIGKILL) and remove its folders. */
  stop(): Promise<void>;
  /** kill -9, keeping its folders (crash tests). */
  crash(): Promise<void>;
  logs(): string;
}

export function pingSocket(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath: socket, path: '/_ping', method: 'GET', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

function api(socket: string, method: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, path, method, timeout: 30000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

/** Force-removes every container of the daemon behind `socket` through its API. */
export async function removeAllContainers(socket: string): Promise<void> {
  const list = JSON.parse(await api(socket, 'GET', '/containers/json?all=1')) as { Id: string }[];
  await Promise.all(list.map((c) => api(socket, 'DELETE', `/containers/${c.Id}?force=1&v=1`)));
}

async function waitUp(socket: string, proc: ChildProcess, logs: () => string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`daemon exited (${proc.exitCode}):\n${logs()}`);
    if (await pingSocket(socket)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`daemon did not answer /_ping within ${ms} ms:\n${logs()}`);
}

function waitExit(proc: ChildProcess, ms: number): Promise<boolean> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    proc.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

function launch(kind: 'wharf' | 'docker', cmd: string, args: string[], dirs: { base: string; dataRoot: string; execRoot: string; socket: string }, keepDirs = false): Promise<RunningDaemon> {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (c) => (out = (out + c).slice(-20000)));
  proc.stderr?.on('data', (c) => (out = (out + c).slice(-20000)));
  const d: RunningDaemon = {
    kind,
    host: `unix://${dirs.socket}`,
    socket: dirs.socket,
    dataRoot: dirs.dataRoot,
    execRoot: dirs.execRoot,
    proc,
    logs: () => out,
    async stop() {
      // Whatever a failed test left running goes first, so no container outlives its daemon's folders.
      if (proc.exitCode === null) await removeAllContainers(dirs.socket).catch(() => {});
      proc.kill('SIGTERM');
      if (!(await waitExit(proc, 15000))) {
        proc.kill('SIGKILL');
        await waitExit(proc, 5000);
      }
      if (!keepDirs) await rm(dirs.base, { recursive: true, force: true }).catch(() => {});
    },
    async crash() {
      proc.kill('SIGKILL');
      await waitExit(proc, 5000);
    },
  };
  return waitUp(dirs.socket, proc, d.logs, 30000).then(() => d, async (err) => {
    await d.stop();
    throw err;
  });
}

/** Starts Wharf's daemon on fresh private paths (or the given data root, to restart after a crash). */
export async function startWharfDaemon(opts: { base?: string } = {}): Promise<RunningDaemon> {
  const base = opts.base ?? (await mkdtemp(join(tmpdir(), 'wharfd-')));
  const dirs = { base, dataRoot: join(base, 'data'), execRoot: join(base, 'exec'), socket: join(base, 'wharf.sock') };
  // A daemon restarted on the same folders (crash tests) keeps its bridge, subnets and cgroup parent.
  const settingsFile = join(base, 'test-settings.json');
  const saved = await readFile(settingsFile, 'utf8').then((t) => JSON.parse(t), () => undefined);
  const net: ReturnType<typeof testNetworkOptions> = saved?.net ?? testNetworkOptions();
  const cgroupParent: string = saved?.cgroupParent ?? testCgroupParent();
  await writeFile(settingsFile, JSON.stringify({ net, cgroupParent }));
  const args = [
    WHARF_BIN, 'daemon', '--data-root', dirs.dataRoot, '--exec-root', dirs.execRoot, '-H', `unix://${dirs.socket}`, '--pidfile', join(base, 'wharf.pid'),
    '--cgroup-parent', cgroupParent, ...daemonNetworkArgs(net),
  ];
  const d = await launch('wharf', process.execPath, args, dirs, true);
  const stop = d.stop;
  // After the daemon: its networks' bridges and rules, its cgroup parent, its folders.
  d.stop = async () => {
    await stop();
    await removeDaemonNetworks(dirs.dataRoot, dirs.execRoot, net);
    removeCgroupParent(cgroupParent);
    await rm(base, { recursive: true, force: true }).catch(() => {});
  };
  return d;
}

/** Starts Docker's reference daemon on private paths, without touching the host's networking. */
export async function startDockerd(): Promise<RunningDaemon> {
  const base = await mkdtemp(join(tmpdir(), 'dockerd-'));
  const dirs = { base, dataRoot: join(base, 'data'), execRoot: join(base, 'exec'), socket: join(base, 'docker.sock') };
  const args = [
    '--data-root', dirs.dataRoot, '--exec-root', dirs.execRoot, '--host', `unix://${dirs.socket}`,
    '--pidfile', join(base, 'docker.pid'), '--bridge=none', '--iptables=false',
    '--containerd-namespace', `wharf-test-${process.pid}`, '--containerd-plugins-namespace', `wharf-test-${process.pid}-p`,
  ];
  return launch('docker', '/usr/sbin/dockerd', args, dirs);
}
