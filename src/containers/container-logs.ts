import type { ContainerContext } from './container-context.js';
import type { ContainerRecord } from './container-record.js';
import { isActive } from './container-record.js';
import type { LogEntry, LogOptions } from './container-service.js';

/**
 * `docker logs`: the container's json-file log as Docker log entries. Follow ends once the
 * container has stopped and its last output is read (a restarting container keeps it open).
 */
export async function* followLogs(ctx: ContainerContext, rec: ContainerRecord, opts: LogOptions): AsyncGenerator<LogEntry> {
  const wantOut = opts.stdout !== false;
  const wantErr = opts.stderr !== false;
  const tail = opts.tail === undefined || opts.tail === 'all' || opts.tail === '' ? undefined : Number(opts.tail);
  const records = ctx.logs.read(ctx.logTarget(rec), {
    follow: Boolean(opts.follow),
    tail: tail === undefined || Number.isNaN(tail) ? undefined : tail,
    since: opts.since ? new Date(opts.since * 1000) : undefined,
    until: opts.until ? new Date(opts.until * 1000) : undefined,
    isStopped: () => !isActive(rec) || !ctx.store.find(rec.id),
    onStop: (notify) =>
      ctx.deps.events.subscribe((ev) => {
        if (ev.Type === 'container' && ev.Actor.ID === rec.id && (ev.Action === 'die' || ev.Action === 'destroy')) notify();
      }),
    signal: opts.signal,
  });
  for await (const r of records) {
    if ((r.stream === 'stdout' && !wantOut) || (r.stream === 'stderr' && !wantErr)) continue;
    yield { stream: r.stream, time: r.fixedTime, data: r.data, attrs: r.attrs };
  }
}
