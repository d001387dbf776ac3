import { readLogs } from '../runtime/log-reader.js';
import type { ContainerContext } from './container-context.js';
import type { ContainerRecord } from './container-record.js';
import { isActive } from './container-record.js';
import type { LogEntry, LogOptions } from './container-service.js';

/**
 * `docker logs`: the monitor's log file as Docker log entries. Follow ends once the
 * container has stopped and the file is drained (a restarting container keeps it open).
 */
export async function* followLogs(ctx: ContainerContext, rec: ContainerRecord, opts: LogOptions): AsyncGenerator<LogEntry> {
  const wantOut = opts.stdout !== false;
  const wantErr = opts.stderr !== false;
  const tail = opts.tail === undefined || opts.tail === 'all' || opts.tail === '' ? undefined : Number(opts.tail);
  const entries = readLogs(ctx.logPath(rec.id), {
    follow: Boolean(opts.follow),
    tail: tail === undefined || Number.isNaN(tail) ? undefined : tail,
    since: opts.since ? new Date(opts.since * 1000) : undefined,
    until: opts.until ? new Date(opts.until * 1000) : undefined,
    isDone: () => !isActive(rec) || !ctx.store.find(rec.id),
    onStop: (notify) =>
      ctx.deps.events.subscribe((ev) => {
        if (ev.Type === 'container' && ev.Actor.ID === rec.id && (ev.Action === 'die' || ev.Action === 'destroy')) notify();
      }),
    signal: opts.signal,
  });
  for await (const e of entries) {
    if ((e.stream === 'stdout' && !wantOut) || (e.stream === 'stderr' && !wantErr)) continue;
    yield { stream: e.stream, time: e.timestamp, data: e.data };
  }
}
