import { ServerResponse, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { invalidParameter, notFound } from '../common/errors.js';
import type { Engine } from '../engine/engine.js';
import { API_VERSION, SERVER_NAME, splitVersionPrefix, versionProblem } from './api-version.js';
import type { ApiContext, Logger, UpgradeSocket } from './context.js';
import { sendError } from './respond.js';
import { ApiRouter } from './router.js';
import { registerContainerRoutes } from './containers.js';
import { registerContainerIoRoutes } from './containers-io.js';
import { registerContainerFileRoutes } from './containers-files.js';
import { registerExecRoutes } from './exec.js';
import { registerImageRoutes } from './images.js';
import { registerSystemRoutes } from './system.js';
import { registerEventRoutes } from './events.js';
import { registerVolumeRoutes } from './volumes-routes.js';
import { registerNetworkRoutes } from './networks-routes.js';
import { registerLazyRoutes } from './lazy-routes.js';
import { readUpgradeBody } from './upgrade-body.js';

export interface DockerApiOptions {
  engine: Engine;
  log: Logger;
}

/** Every operation of the Engine API this daemon serves, area by area. */
export function buildRouter(): ApiRouter {
  const router = new ApiRouter();
  registerSystemRoutes(router);
  registerEventRoutes(router);
  registerContainerRoutes(router);
  registerContainerIoRoutes(router);
  registerContainerFileRoutes(router);
  registerExecRoutes(router);
  registerImageRoutes(router);
  registerVolumeRoutes(router);
  registerNetworkRoutes(router);
  registerLazyRoutes(router);
  return router;
}

/**
 * The Docker Engine API over any number of HTTP(S) servers: strips the version prefix,
 * checks it, routes, and turns thrown errors into `{"message"}` responses. Requests that
 * ask to upgrade arrive with their raw socket so attach/exec can hijack it.
 */
export class DockerApi {
  private readonly router = buildRouter();
  constructor(private readonly opts: DockerApiOptions) {}

  /** Serve this API on a server (unix socket, TCP or TLS). */
  attach(server: HttpServer | HttpsServer): void {
    server.requestTimeout = 0; // image loads and archive uploads may take long
    const failed = (err: unknown) => this.opts.log.error(`request handling failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    server.on('request', (req, res) => this.dispatch(req, res).catch(failed));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.dispatchUpgrade(req, socket, head).catch(failed));
  }

  private async dispatchUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', (err) => this.opts.log.debug(`upgraded connection: ${err.message}`));
    const res = new ServerResponse(req);
    res.assignSocket(socket as any);
    res.shouldKeepAlive = false;
    res.on('finish', () => socket.end());
    let upgrade: UpgradeSocket;
    try {
      upgrade = await readUpgradeBody(req, socket, head);
    } catch {
      socket.destroy();
      return;
    }
    await this.dispatch(req, res, upgrade);
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, upgrade?: UpgradeSocket): Promise<void> {
    res.setHeader('Api-Version', API_VERSION);
    res.setHeader('Ostype', 'linux');
    res.setHeader('Server', SERVER_NAME);
    const ac = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) ac.abort();
    });
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const { version, path } = splitVersionPrefix(q < 0 ? rawUrl : rawUrl.slice(0, q));
    const ctx: ApiContext = {
      req,
      res,
      params: {},
      query: new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1)),
      version: version ?? API_VERSION,
      engine: this.opts.engine,
      log: this.opts.log,
      upgrade,
      signal: ac.signal,
    };
    try {
      const problem = version === undefined ? undefined : versionProblem(version);
      if (problem) throw invalidParameter(problem);
      const route = this.router.find(req.method ?? 'GET', path);
      if (!route) throw notFound('page not found');
      ctx.params = route.params;
      this.opts.log.debug(`${req.method} ${rawUrl}`);
      await route.handler(ctx);
    } catch (err) {
      sendError(ctx, err);
    }
  }
}
