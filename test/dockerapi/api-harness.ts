import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerApi } from '../../src/dockerapi/server.js';
import type { Logger } from '../../src/dockerapi/context.js';
import type { Engine } from '../../src/engine/engine.js';

export const quietLog: Logger = { debug() {}, info() {}, warn() {}, error: (m) => process.stderr.write(`api error: ${m}\n`) };

export interface TestApi {
  socket: string;
  host: string;
  close(): Promise<void>;
}

/** Serves the Docker API for `engine` on a fresh unix socket in a temp dir. */
export async function serveApi(engine: Engine): Promise<TestApi> {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-api-'));
  const socket = join(dir, 'api.sock');
  const server: Server = createServer();
  new DockerApi({ engine, log: quietLog }).attach(server);
  const conns = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    conns.add(s);
    s.on('close', () => conns.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return {
    socket,
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

/** Runs the real docker CLI against `host`, with a private config dir. */
export function docker(host: string, args: string[], opts: { input?: string | Buffer; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      '/usr/local/bin/docker',
      ['-H', host, ...args],
      { timeout: opts.timeoutMs ?? 30_000, killSignal: 'SIGKILL', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir(), DOCKER_CONFIG: join(tmpdir(), 'wharf-test-docker-config') } },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as any).code === 'number' ? (err as any).code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** A plain HTTP request over the unix socket; resolves with status, headers and body. */
export function httpRequest(socket: string, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, any>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
