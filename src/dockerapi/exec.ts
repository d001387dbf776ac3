import { readJsonObject } from './body.js';
import { param, type ApiContext } from './context.js';
import { terminalSize } from './containers.js';
import { hijack, pumpInput, pumpOutput } from './hijack.js';
import { sendJson, sendStatus } from './respond.js';
import type { ApiRouter } from './router.js';

/** `docker exec`: create, start (hijacked unless detached), inspect, resize. */
export function registerExecRoutes(router: ApiRouter): void {
  router.on('POST', '/containers/:id/exec', create);
  router.on('POST', '/exec/:id/start', start);
  router.on('GET', '/exec/:id/json', inspect);
  router.on('POST', '/exec/:id/resize', resize);
}

async function create(ctx: ApiContext): Promise<void> {
  const created = await ctx.engine.containers.execCreate(param(ctx, 'id'), await readJsonObject(ctx));
  sendJson(ctx, 201, { Id: created.Id });
}

/**
 * The exec is started before the connection is taken over, so a missing exec or a stopped
 * container still gets a proper status code; then output streams until the process ends.
 */
async function start(ctx: ApiContext): Promise<void> {
  const body = await readJsonObject(ctx);
  const detach = body.Detach === true;
  const started = await ctx.engine.containers.execStart(param(ctx, 'id'), {
    detach,
    tty: typeof body.Tty === 'boolean' ? body.Tty : undefined,
  });
  if (detach || !started.io) {
    sendStatus(ctx, 200);
    return;
  }
  const io = started.io;
  if (Array.isArray(body.ConsoleSize) && body.ConsoleSize.length === 2) {
    const [h, w] = body.ConsoleSize.map(Number);
    if (h! > 0 && w! > 0) await started.resize(w!, h!).catch(() => undefined);
  }
  const conn = hijack(ctx, { tty: started.tty });
  // dockerd closes an exec's stdin on the client's EOF unless it has a TTY; then the session ends.
  const session = new AbortController();
  const signal = AbortSignal.any([ctx.signal, session.signal]);
  // Only a hijacked connection carries stdin: a plain POST's body (already read) ending is not the client leaving.
  const detachInput = ctx.upgrade ? pumpInput(conn.input, io.stdin, { closeStdin: !started.tty, onEof: () => session.abort() }) : () => {};
  try {
    await pumpOutput(io, conn.output, started.tty, signal);
    await Promise.race([started.exited.catch(() => undefined), new Promise((r) => signal.addEventListener('abort', r))]);
  } finally {
    detachInput();
    io.close();
    conn.end();
  }
}

async function inspect(ctx: ApiContext): Promise<void> {
  sendJson(ctx, 200, await ctx.engine.containers.execInspect(param(ctx, 'id')));
}

async function resize(ctx: ApiContext): Promise<void> {
  const { height, width } = terminalSize(ctx);
  await ctx.engine.containers.execResize(param(ctx, 'id'), height, width);
  sendStatus(ctx, 200);
}
