/**
 * The daemon the CLI end-to-end tests talk to, chosen by WHARF_TEST_DAEMON:
 *   docker (default) — Docker's reference dockerd on private paths (--bridge=none, no iptables);
 *   wharf            — Wharf's own daemon (`wharf daemon`) on private paths.
 * Both speak the Engine API, so the same tests run against either.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { busyboxRootfsTar } from '../support/busybox-rootfs.js';

/** The compiled CLI entry beside this compiled test (dist/src/cli/main.js). */
export const CLI_MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface TestDaemon {
  kind: 'docker' | 'wharf';
  socket: string;
  host: string;
  dir: string;
  stop(): Promise<void>;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

function ping(socket: string): Promise<boolean> {
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

export async function startTestDaemon(): Promise<TestDaemon> {
  const kind = (process.env.WHARF_TEST_DAEMON ?? 'docker') === 'wharf' ? 'wharf' : 'docker';
  const dir = mkdtempSync(join(tmpdir(), 'wh-cli-'));
  const socket = join(dir, 'api.sock');
  const args = ['--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'), '--host', `unix://${socket}`, '--pidfile', join(dir, 'pid')];
  let child: ChildProcess;
  const logFile = join(dir, 'daemon.log');
  const { openSync } = await import('node:fs');
  const log = openSync(logFile, 'a');
  if (kind === 'docker') {
    child = spawn('dockerd', [...args, '--bridge=none', '--iptables=false', '--ip6tables=false'], { stdio: ['ignore', log, log], detached: true });
  } else {
    child = spawn(process.execPath, [CLI_MAIN, 'daemon', ...args], { stdio: ['ignore', log, log], detached: true });
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
      await exited;
      clearTimeout(timer);
    }
    // A daemon killed hard may leave overlay mounts under its root: unmount before deleting.
    const mounts = readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[1])
      .filter((m) => m && m.startsWith(dir))
      .sort((x, y) => y.length - x.length);
    for (const m of mounts) spawnSync('umount', ['-l', m]);
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60000;
  while (!(await ping(socket))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      const text = readFileSync(logFile, 'utf8').slice(-2000);
      await stop();
      throw new Error(`test daemon (${kind}) did not come up:\n${text}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { kind, socket, host: `unix://${socket}`, dir, stop };
}

/** Runs the wharf CLI against the daemon; resolves with its exit code and output. */
export function wharf(d: TestDaemon | string, args: string[], opts: { input?: Buffer | string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  return runTool(process.execPath, [CLI_MAIN, ...args], d, opts);
}

/** Runs the real docker CLI against the same daemon, for side-by-side comparisons. */
export function docker(d: TestDaemon, args: string[], opts: { input?: Buffer | string; timeoutMs?: number } = {}): Promise<RunResult> {
  return runTool('docker', args, d, opts);
}

function runTool(cmd: string, args: string[], d: TestDaemon | string, opts: { input?: Buffer | string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<RunResult> {
  const host = typeof d === 'string' ? d : d.host;
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: host, WHARF_HOST: host, DOCKER_CONFIG: join(tmpdir(), 'wh-cli-docker-config'), ...opts.env };
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input);
  });
}

/** Imports the busybox rootfs as `ref` through the CLI under test. */
export async function importBusybox(d: TestDaemon, ref: string): Promise<void> {
  const tarPath = join(d.dir, 'busybox.tar');
  writeFileSync(tarPath, await busyboxRootfsTar());
  const r = await wharf(d, ['import', tarPath, ref]);
  if (r.code !== 0) throw new Error(`import failed: ${r.stderr}`);
}

/** A name unique to this test run. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}
