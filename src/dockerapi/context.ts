import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Engine } from '../engine/engine.js';

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

/** A raw connection a client asked to upgrade (`Connection: Upgrade`, `Upgrade: tcp`). */
export interface UpgradeSocket {
  socket: Duplex;
  /** The request body (by Content-Length), read before the handler runs. */
  body: Buffer;
  /** Bytes the client sent after the body: the start of its stdin. */
  rest: Buffer;
}

/** Everything one handler gets: the request, its parsed parts and the engine. */
export interface ApiContext {
  req: IncomingMessage;
  res: ServerResponse;
  /** Path parameters (`:id`, `*`). */
  params: Record<string, string>;
  query: URLSearchParams;
  /** The API version the client asked for (the prefix), or the server's own when unversioned. */
  version: string;
  engine: Engine;
  log: Logger;
  /** Set when the request came as an upgrade; only hijacking handlers use the socket. */
  upgrade?: UpgradeSocket;
  /** Aborted when the client goes away before the response is complete. */
  signal: AbortSignal;
}

export type Handler = (ctx: ApiContext) => Promise<void>;

/** A path parameter the router guarantees. */
export function param(ctx: ApiContext, name: string): string {
  return ctx.params[name] ?? '';
}
