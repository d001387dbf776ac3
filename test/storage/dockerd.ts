import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PrivateDockerd {
  host: string;
  /** Runs the docker CLI against this daemon. */
  docker(args: string[], input?: Buffer): Promise<Buffer>;
  stop(): Promise<void>;
}

/**
 * Docker's reference daemon on private paths (data root, exec root, socket, pidfile under one
 * temp dir), without bridge or iptables changes; `stop` ends it and removes everything.
 */
export async function startDockerd(): Promise<PrivateDockerd> {
  const dir = await mkdtemp(join(tmpdir(), 'wh-dk-'));
  const sock = join(dir, 'd.sock');
  const host = `unix://${sock}`;
  let stderr = '';
  const child: ChildProcess = spawn(
    'dockerd',
    ['--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'), '--host', host, '--pidfile', join(dir, 'd.pid'),
      '--bridge=none', '--iptables=false', '--ip-masq=false', '--log-level=error'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const docker = async (args: string[], input?: Buffer): Promise<Buffer> => {
    const p = spawn('docker', ['-H', host, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.stdin.end(input);
    const code = await new Promise<number | null>((resolve) => p.once('close', resolve));
    if (code !== 0) throw new Error(`docker ${args.join(' ')} failed (${code}): ${err}`);
    return Buffer.concat(out);
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(t);
    }
    // dockerd may leave mounts under its data root (e.g. its own overlay checks).
    const mounts = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').map((l) => l.split(' ')[4]).filter((m) => m?.startsWith(dir));
    for (const m of mounts.reverse()) await run('umount', ['-l', m]).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await docker(['version', '--format', '{{.Server.Version}}']);
      break;
    } catch (err) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await stop();
        throw new Error(`dockerd did not start: ${stderr.slice(-2000)} ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return { host, docker, stop };
}
