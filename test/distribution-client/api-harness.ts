import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger, ApiContext } from '../../src/dockerapi/context.js';
import { DockerApi } from '../../src/dockerapi/server.js';
import type { ApiRouter } from '../../src/dockerapi/router.js';
import { pullHandler, pushHandler, registerDistributionRoutes } from '../../src/dockerapi/distribution-routes.js';
import type { Engine } from '../../src/engine/engine.js';

const quietLog: Logger = { debug() {}, info() {}, warn() {}, error: (m) => process.stderr.write(`api error: ${m}\n`) };

/**
 * Until the daemon's image routes call the distribution handlers themselves, wraps them in:
 * fromImage on POST /images/create → pullHandler, POST /images/{name}/push → pushHandler, and
 * POST /auth. When the router already has /auth (wired for real), it is left alone.
 */
function wireDistribution(router: ApiRouter): void {
  if (router.find('POST', '/auth')) return;
  const fmw = (router as unknown as { fmw: { off(m: string, p: string): void } }).fmw;
  const create = router.find('POST', '/images/create')!.handler;
  const images = router.find('POST', '/images/x/tag')!.handler;
  fmw.off('POST', '/images/create');
  fmw.off('POST', '/images/*');
  router.on('POST', '/images/create', (ctx: ApiContext) => {
    const from = ctx.query.get('fromImage');
    return from ? pullHandler(ctx, from, ctx.query.get('tag') ?? undefined) : create(ctx);
  });
  router.on('POST', '/images/*', (ctx: ApiContext) => {
    const rest = ctx.params['*'] ?? '';
    return rest.endsWith('/push') ? pushHandler(ctx, rest.slice(0, -'/push'.length)) : images(ctx);
  });
  registerDistributionRoutes(router);
}

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
  wireDistribution((api as unknown as { router: ApiRouter }).router);
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
