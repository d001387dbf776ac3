/**
 * Runs `wharf server` (runServer from src/cluster/server-cli.ts) as a child process on a
 * free port with a temp data dir, and real kubectl against the kubeconfig it writes.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './etcd-process.js';

const cliModule = fileURLToPath(new URL('../../src/cluster/server-cli.js', import.meta.url));

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ServerProcess {
  url: string;
  port: number;
  dataDir: string;
  kubeconfig: string;
  token: string;
  proc: ChildProcess;
  /** Runs real kubectl with this server's kubeconfig and a private HOME/cache. */
  kubectl(args: string[], opts?: { input?: string; env?: Record<string, string> }): KubectlResult;
  /** Async variant for long-running commands (get -w); resolves when it exits. */
  kubectlAsync(args: string[]): { proc: ChildProcess; output(): string; done: Promise<number> };
  stop(): Promise<void>;
  kill9(): Promise<void>;
  logs(): string;
}

export interface StartOptions {
  dataDir?: string;
  extraArgs?: string[];
  keepDataDir?: boolean;
  /** Where the server writes its kubeconfig (default <data-dir>/kubeconfig.yaml). */
  kubeconfig?: string;
}

export async function startServer(opts: StartOptions = {}): Promise<ServerProcess> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'wharf-server-'));
  const home = mkdtempSync(join(tmpdir(), 'wharf-kubehome-'));
  const port = await freePort();
  const kubeconfig = opts.kubeconfig ?? join(dataDir, 'kubeconfig.yaml');
  rmSync(kubeconfig, { force: true });
  const script = `import(${JSON.stringify(cliModule)}).then((m) => m.runServer(process.argv.slice(1))).then((c) => process.exit(c), (e) => { console.error(e); process.exit(1); });`;
  const proc = spawn(process.execPath, ['--input-type=module', '-e', script, '--', '--data-dir', dataDir, '--https-listen-port', String(port), '--bind-address', '127.0.0.1', '--write-kubeconfig', kubeconfig, ...(opts.extraArgs ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  proc.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const deadline = Date.now() + 30_000;
  while (!existsSync(kubeconfig) || !log.includes(`kubeconfig written to ${kubeconfig}`)) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill('SIGKILL');
      rmSync(home, { recursive: true, force: true });
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`wharf server did not start (exit ${proc.exitCode}):\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({ ...process.env, KUBECONFIG: kubeconfig, HOME: home, ...extra });
  const cleanup = (): void => {
    rmSync(home, { recursive: true, force: true });
    if (!opts.keepDataDir && !opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  const server: ServerProcess = {
    url: `https://127.0.0.1:${port}`,
    port,
    dataDir,
    kubeconfig,
    token: readFileSync(join(dataDir, 'token'), 'utf8').trim(),
    proc,
    kubectl(args, o = {}) {
      const r = spawnSync('kubectl', args, { input: o.input, env: env(o.env), encoding: 'utf8', timeout: 60_000 });
      return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
    },
    kubectlAsync(args) {
      const p = spawn('kubectl', args, { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      p.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      p.stderr?.on('data', (d: Buffer) => (out += d.toString()));
      return { proc: p, output: () => out, done: new Promise((r) => p.once('exit', (c) => r(c ?? -1))) };
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      cleanup();
    },
    async kill9() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGKILL');
        await exited;
      }
      rmSync(home, { recursive: true, force: true });
    },
    logs: () => log,
  };
  return server;
}
