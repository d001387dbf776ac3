import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../src/dockerapi/context.js';
import { DockerApi } from '../../src/dockerapi/server.js';
import type { Engine } from '../../src/engine/engine.js';

const quietLog: Logger = { debug() {}, info() {}, warn() {}, error: (m) => process.stderr.write(`api error: ${m}\n`) };

export interface ServedApi {
  host: string;
  close(): Promise<void>;
}

/** The Docker API for `engine` on a fresh unix socket, with the distribution routes. */
export async function serveDistributionApi(engine: Engine): Promise<ServedApi> {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-dc-api-'));
  const socket = join(dir, 'api.sock');
  const server: Server = createServer();
  const api = new DockerApi({ engine, log: quietLog });
  api.attach(server);
  const conns = new Set<Socket>();
  server.on('connection', (s) => {
    conns.add(s);
    s.on('close', () => conns.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return {
    host: `unix://${socket}`,
    close: async () => {
      for (const s of conns) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program (docker CLI, skopeo) and collects its output; never rejects. */
export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: opts.timeoutMs ?? 60_000, killSignal: 'SIGKILL', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...opts.env }, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end(opts.input ?? '');
  });
}
