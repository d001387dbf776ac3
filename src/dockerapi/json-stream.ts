import type { ApiContext } from './context.js';

/** A chunked response of newline-separated JSON objects (events, stats, progress). */
export interface JsonLines {
  write(obj: unknown): void;
  end(): void;
}

/** Sends the headers at once (clients wait for them before reading lines), then one line per object. */
export function startJsonLines(ctx: ApiContext, status = 200): JsonLines {
  ctx.res.writeHead(status, { 'Content-Type': 'application/json' });
  ctx.res.flushHeaders();
  return {
    write(obj) {
      if (!ctx.res.writableEnded && !ctx.res.destroyed) ctx.res.write(JSON.stringify(obj) + '\n');
    },
    end() {
      if (!ctx.res.writableEnded) ctx.res.end();
    },
  };
}

/** Resolves after `ms`, or early (without error) when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
