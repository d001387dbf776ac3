import { WharfError, errorMessage, httpStatusOf } from '../common/errors.js';
import type { ApiContext } from './context.js';

/** Writes a JSON body with its length (so keep-alive connections stay usable). */
export function sendJson(ctx: ApiContext, status: number, body: unknown): void {
  const data = Buffer.from(JSON.stringify(body) + '\n');
  ctx.res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': data.length });
  ctx.res.end(data);
}

/** A bodiless answer; 204 and 304 must not carry a Content-Length, others say 0 to keep the connection reusable. */
export function sendStatus(ctx: ApiContext, status: number): void {
  ctx.res.writeHead(status, status === 204 || status === 304 ? {} : { 'Content-Length': 0 });
  ctx.res.end();
}

/**
 * The one place errors become responses: WharfError kinds map to dockerd's status codes
 * and `{"message": ...}`. 304 carries no body, as dockerd's. Once a streaming response has
 * begun the status cannot change, so the connection is cut instead.
 */
export function sendError(ctx: ApiContext, err: unknown): void {
  const status = httpStatusOf(err);
  if (status >= 500 && !(err instanceof WharfError && err.kind === 'not-implemented')) {
    ctx.log.error(`${ctx.req.method} ${ctx.req.url}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  } else {
    ctx.log.debug(`${ctx.req.method} ${ctx.req.url}: ${status} ${errorMessage(err)}`);
  }
  if (ctx.res.headersSent) {
    ctx.res.destroy();
    return;
  }
  if (status === 304) {
    sendStatus(ctx, 304);
    return;
  }
  sendJson(ctx, status, { message: errorMessage(err) });
}
