import { once } from 'node:events';
import { errorMessage, invalidParameter } from '../common/errors.js';
import type { WaitCondition } from '../containers/container-service.js';
import { param, type ApiContext } from './context.js';
import { hijack, pumpInput, pumpOutput } from './hijack.js';
import { sleep, startJsonLines } from './json-stream.js';
import { boolQuery, strQuery, timeQuery } from './query.js';
import { sendJson } from './respond.js';
import type { ApiRouter } from './router.js';
import { batchedStreamWriter, MULTIPLEXED_STREAM, RAW_STREAM, STDERR, STDOUT } from './stdcopy.js';

/** A container's streams: wait, attach, logs, stats. */
export function registerContainerIoRoutes(router: ApiRouter): void {
  router.on('POST', '/containers/:id/wait', wait);
  router.on('POST', '/containers/:id/attach', attach);
  router.on('GET', '/containers/:id/logs', logs);
  router.on('GET', '/containers/:id/stats', stats);
}

const WAIT_CONDITIONS: readonly string[] = ['not-running', 'next-exit', 'removed'];

/**
 * Headers go out as soon as the wait is registered (the CLI starts the container only
 * then); the body `{"StatusCode","Error"}` follows at exit.
 */
async function wait(ctx: ApiContext): Promise<void> {
  const condition = strQuery(ctx.query, 'condition') ?? 'not-running';
  if (!WAIT_CONDITIONS.includes(condition)) throw invalidParameter(`invalid condition: "${condition}"`);
  const sendHeaders = () => {
    if (ctx.res.headersSent) return;
    ctx.res.writeHead(200, { 'Content-Type': 'application/json' });
    ctx.res.flushHeaders();
  };
  let result: { StatusCode: number; Error: { Message: string } | null };
  try {
    result = await ctx.engine.containers.wait(param(ctx, 'id'), condition as WaitCondition, ctx.signal, sendHeaders);
  } catch (err) {
    if (!ctx.res.headersSent) throw err;
    if (ctx.signal.aborted) return;
    result = { StatusCode: -1, Error: { Message: errorMessage(err) } };
  }
  sendHeaders();
  ctx.res.end(JSON.stringify(result) + '\n');
}

async function attach(ctx: ApiContext): Promise<void> {
  const q = ctx.query;
  const ref = param(ctx, 'id');
  const stdin = boolQuery(q, 'stdin');
  // StdinOnce decides what the client's EOF means (see InputPolicy); only needed with stdin.
  const stdinOnce = stdin ? (await ctx.engine.containers.inspect(ref)).Config?.StdinOnce === true : false;
  const { tty, io } = await ctx.engine.containers.attach(ref, {
    stdin,
    stdout: boolQuery(q, 'stdout'),
    stderr: boolQuery(q, 'stderr'),
    logs: boolQuery(q, 'logs'),
    stream: boolQuery(q, 'stream'),
  });
  const conn = hijack(ctx, { tty });
  const session = new AbortController();
  // Only a hijacked connection carries stdin: a plain POST's body ending is not the client leaving.
  const detachInput = ctx.upgrade ? pumpInput(conn.input, stdin ? io.stdin : undefined, { closeStdin: stdinOnce && !tty, onEof: () => session.abort() }) : () => {};
  try {
    await pumpOutput(io, conn.output, tty, AbortSignal.any([ctx.signal, session.signal]));
  } finally {
    detachInput();
    io.close();
    conn.end();
  }
}

/** Framed for non-TTY containers, raw for TTY ones; with `follow` it ends when the container stops. */
async function logs(ctx: ApiContext): Promise<void> {
  const q = ctx.query;
  const stdout = boolQuery(q, 'stdout');
  const stderr = boolQuery(q, 'stderr');
  if (!stdout && !stderr) throw invalidParameter('Bad parameters: you must choose at least one stream');
  const since = timeQuery(q, 'since');
  const until = timeQuery(q, 'until');
  const timestamps = boolQuery(q, 'timestamps');
  const details = boolQuery(q, 'details');
  const { tty, entries } = await ctx.engine.containers.logs(param(ctx, 'id'), {
    follow: boolQuery(q, 'follow'),
    stdout,
    stderr,
    since: since ? since : undefined,
    until: until ? until : undefined,
    tail: strQuery(q, 'tail') ?? 'all',
    signal: ctx.signal,
  });
  ctx.res.writeHead(200, { 'Content-Type': tty ? RAW_STREAM : MULTIPLEXED_STREAM });
  ctx.res.flushHeaders();
  const out = batchedStreamWriter(ctx.res, tty);
  for await (const entry of entries) {
    if (ctx.signal.aborted) break;
    const prefix = (timestamps ? `${entry.time} ` : '') + (details ? `${detailsOf(entry.attrs)} ` : '');
    const data = prefix ? Buffer.concat([Buffer.from(prefix), entry.data]) : entry.data;
    if (!out.write(entry.stream === 'stderr' ? STDERR : STDOUT, data)) {
      await Promise.race([once(ctx.res, 'drain'), once(ctx.res, 'close')]);
    }
  }
  out.flush();
  ctx.res.end();
}

/** `k=v,k2=v2` (sorted, query-escaped), as dockerd prefixes lines for `docker logs --details`. */
function detailsOf(attrs: Record<string, string> | undefined): string {
  const esc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return Object.keys(attrs ?? {})
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((k) => `${esc(k)}=${esc(attrs![k]!)}`)
    .join(',');
}

/** Whether a reading already carries a previous CPU sample (so percentages can be computed). */
function hasPreviousCpu(s: Record<string, any>): boolean {
  return Number(s?.precpu_stats?.system_cpu_usage ?? 0) > 0;
}

/** A JSON line every second, or one reading with `stream=false` (`one-shot` skips the second sample). */
async function stats(ctx: ApiContext): Promise<void> {
  const ref = param(ctx, 'id');
  const containers = ctx.engine.containers;
  let reading = await containers.stats(ref);
  if (!boolQuery(ctx.query, 'stream', true)) {
    if (!boolQuery(ctx.query, 'one-shot') && !hasPreviousCpu(reading)) {
      await sleep(1000, ctx.signal);
      reading = await containers.stats(ref);
    }
    sendJson(ctx, 200, reading);
    return;
  }
  const lines = startJsonLines(ctx);
  lines.write(reading);
  while (!ctx.signal.aborted) {
    await sleep(1000, ctx.signal);
    if (ctx.signal.aborted) break;
    try {
      lines.write(await containers.stats(ref));
    } catch {
      break; // the container went away: the stream ends as dockerd's does
    }
  }
  lines.end();
}
