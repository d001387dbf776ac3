/**
 * The daemon the CLI end-to-end tests talk to, chosen by WHARF_TEST_DAEMON:
 *   wharf (default) — Wharf's own daemon (`wharf daemon`) on private paths;
 *   docker          — Docker's reference dockerd on private paths (--bridge=none, no iptables),
 *                     to check that the CLI is a faithful Engine API client.
 * Both speak the Engine API, so the same tests run against either.
 */
import { spawn } from 'node:child_process';
import { after, before } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { busyboxRootfsTar } from '../support/busybox-rootfs.js';
import { startDockerd, startWharfDaemon } from '../support/daemons.js';

/** The compiled CLI entry beside this compiled test (dist/src/cli/main.js). */
export const CLI_MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface TestDaemon {
  kind: 'docker' | 'wharf';
  socket: string;
  host: string;
  /** A private scratch folder for the test's files (removed by stop). */
  dir: string;
  stop(): Promise<void>;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Starts the daemon WHARF_TEST_DAEMON names (Wharf's by default) on private paths. */
export async function startTestDaemon(): Promise<TestDaemon> {
  const kind = (process.env.WHARF_TEST_DAEMON ?? 'wharf') === 'docker' ? 'docker' : 'wharf';
  const daemon = kind === 'wharf' ? await startWharfDaemon() : await startDockerd();
  const dir = mkdtempSync(join(tmpdir(), 'wh-cli-'));
  return {
    kind,
    socket: daemon.socket,
    host: daemon.host,
    dir,
    async stop() {
      try {
        await daemon.stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
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

/**
 * For a describe block: starts a test daemon with busybox imported as `image` (handed over
 * through `use`), and afterwards removes the containers listed in `names`, the image and
 * the daemon.
 */
export function daemonWithBusybox(image: string, names: string[], use: (d: TestDaemon) => void): void {
  let d: TestDaemon | undefined;
  before(async () => {
    d = await startTestDaemon();
    use(d);
    await importBusybox(d, image);
  });
  after(async () => {
    if (!d) return;
    try {
      if (names.length > 0) await wharf(d, ['rm', '-f', ...names]);
      await wharf(d, ['rmi', '-f', image]);
    } finally {
      await d.stop();
    }
  });
}
