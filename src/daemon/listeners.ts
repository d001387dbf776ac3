import { mkdirSync, readFileSync, statSync, unlinkSync, chmodSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { conflict, invalidParameter } from '../common/errors.js';
import type { Logger } from '../dockerapi/context.js';
import type { DockerApi } from '../dockerapi/server.js';
import type { DaemonConfig, HostAddress } from './flags.js';

export interface Listener {
  /** As given on the command line: unix:///… or tcp://… */
  address: string;
  close(): Promise<void>;
}

export function describeHost(h: HostAddress): string {
  return h.kind === 'unix' ? `unix://${h.path}` : `tcp://${h.host.includes(':') ? `[${h.host}]` : h.host}:${h.port}`;
}

/** Whether something accepts connections on a unix socket path. */
function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** A socket file left by a daemon that died is removed; a live one is another daemon's. */
async function prepareUnixPath(path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  let st;
  try {
    st = statSync(path);
  } catch {
    return;
  }
  if (!st.isSocket()) throw invalidParameter(`${path} exists and is not a socket`);
  if (await socketAnswers(path)) throw conflict(`${path} is in use: another daemon is listening on it`);
  unlinkSync(path);
}

async function makeServer(h: HostAddress, cfg: DaemonConfig, log: Logger): Promise<HttpServer> {
  if (h.kind === 'unix' || !cfg.tls) {
    if (h.kind === 'tcp' && !['127.0.0.1', '::1', 'localhost'].includes(h.host)) {
      log.warn(`API listening on ${describeHost(h)} without TLS: anyone who can reach it has root on this host`);
    }
    return createHttpServer();
  }
  const tls = cfg.tls;
  // Loaded only for a TLS listener: the TLS stack costs memory a unix-socket daemon never uses.
  const { createServer: createHttpsServer } = await import('node:https');
  // allowHalfOpen: a client that half-closes a hijacked stream must still get its output.
  return createHttpsServer({
    cert: readFileSync(tls.cert),
    key: readFileSync(tls.key),
    ca: tls.ca ? readFileSync(tls.ca) : undefined,
    requestCert: tls.verify,
    rejectUnauthorized: tls.verify,
    minVersion: 'TLSv1.2',
    allowHalfOpen: true,
  } as any) as unknown as HttpServer;
}

/**
 * Opens every `-H` address with the API attached; on failure, the ones already open are closed.
 * `hooks` hear connections and requests come and go (the daemon's memory policies).
 */
export async function listenAll(cfg: DaemonConfig, api: DockerApi, log: Logger, hooks: ListenerHooks = {}): Promise<Listener[]> {
  const open: Listener[] = [];
  try {
    for (const h of cfg.hosts) open.push(await listenOne(h, cfg, api, log, hooks));
  } catch (err) {
    await Promise.all(open.map((l) => l.close()));
    throw err;
  }
  return open;
}

export interface ListenerHooks {
  /** A connection or request came or went. */
  onActivity?: () => void;
  /** A request arrived (before the API handles it). */
  onRequest?: (req: IncomingMessage, res: ServerResponse) => void;
}

async function listenOne(h: HostAddress, cfg: DaemonConfig, api: DockerApi, log: Logger, hooks: ListenerHooks): Promise<Listener> {
  const { onActivity, onRequest } = hooks;
  if (h.kind === 'unix') await prepareUnixPath(h.path);
  const server = await makeServer(h, cfg, log);
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    onActivity?.();
    s.once('close', () => {
      sockets.delete(s);
      onActivity?.();
    });
  });
  if (onActivity || onRequest) {
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      onRequest?.(req, res);
      if (onActivity) {
        onActivity();
        res.once('close', onActivity);
      }
    });
  }
  // After the hooks, so that they hear of a request before the API starts on it.
  api.attach(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (h.kind === 'unix') server.listen(h.path, () => resolve());
    else server.listen(h.port, h.host, () => resolve());
  });
  if (h.kind === 'unix') chmodSync(h.path, 0o660);
  const address = describeHost(h);
  log.info(`API listen on ${h.kind === 'unix' ? h.path : address}`);
  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        if (h.kind === 'unix') {
          try {
            unlinkSync(h.path);
          } catch {
            /* already gone */
          }
        }
      }),
  };
}
