import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { logAttributes, type LogSource } from './log-attrs.js';
import { LoggingInitError, planLogging, type LogConfig, type LogPlan } from './log-config.js';
import { parseJsonLogLine, parseRfc3339, type ParsedJsonLog } from './json-log-line.js';
import { JsonLogWriter } from './json-log-writer.js';
import { followLines } from './line-follower.js';
import { parseSpoolLine } from './conmon-spool-format.js';
import { SpoolShipper } from './spool-shipper.js';

/** A container as its logs see it. */
export interface LogTarget {
  id: string;
  /** The container's folder (its logs live there). */
  dir: string;
  config: LogConfig | undefined;
  source: LogSource;
}

export interface ReadOptions {
  follow?: boolean;
  /** Only the last N lines (undefined or < 0: all). */
  tail?: number;
  since?: Date;
  until?: Date;
  /** For follow: true once the container has stopped. */
  isStopped: () => boolean;
  onStop?: (notify: () => void) => () => void;
  signal?: AbortSignal;
}

const SPOOL = 'conmon-spool.log';
const CHECKPOINT = 'conmon-spool.pos';

/**
 * Every container's logs: conmon writes a spool, a shipper per running container turns it into
 * Docker's json-file log (`<dir>/<id>-json.log`, or `<dir>/local-logs/container.log` for the
 * local driver), and readers read that, rotated files included.
 */
export class ContainerLogs {
  private readonly shippers = new Map<string, Shipping>();

  /** `reopen` asks a container's monitor to reopen its log file (false: the monitor is gone). */
  constructor(private readonly reopen: (id: string) => Promise<boolean>) {}

  /** The json-file log dockerd would show as LogPath ("" for other drivers). */
  static logPath(dir: string, id: string, config: LogConfig | undefined): string {
    return (config?.Type || 'json-file') === 'json-file' ? join(dir, `${id}-json.log`) : '';
  }

  /** Where the monitor writes output, or undefined when nothing is to be kept (driver none). */
  monitorLogPath(t: LogTarget, plan: LogPlan): string | undefined {
    return plan.driver === 'none' ? undefined : join(t.dir, SPOOL);
  }

  /** Checks the container's LogConfig as dockerd does when it starts the logger (throws LoggingInitError). */
  plan(t: LogTarget): LogPlan {
    const plan = planLogging(t.config);
    if (plan.driver === 'json-file') {
      try {
        logAttributes(plan.options, t.source);
      } catch (err) {
        throw new LoggingInitError((err as Error).message);
      }
    }
    return plan;
  }

  /** Starts shipping the output of a monitor just started. */
  async attach(t: LogTarget, plan: LogPlan): Promise<void> {
    if (plan.driver === 'none') return;
    await this.startShipper(t, plan, { watch: true, fresh: true });
  }

  /** After a daemon restart: a running container's shipping goes on where it stopped. */
  async resume(t: LogTarget): Promise<void> {
    const plan = safePlan(t.config);
    if (!plan || plan.driver === 'none' || this.shippers.has(t.id)) return;
    await this.startShipper(t, plan, { watch: true });
  }

  /** After a daemon restart: output a stopped container wrote while nobody shipped it. */
  async recover(t: LogTarget): Promise<void> {
    const plan = safePlan(t.config);
    if (!plan || plan.driver === 'none' || this.shippers.has(t.id)) return;
    const spool = join(t.dir, SPOOL);
    const [live, old] = await Promise.all([stat(spool).catch(() => undefined), stat(`${spool}.old`).catch(() => undefined)]);
    if (!old && !live?.size) return;
    await this.startShipper(t, plan, { watch: false });
    await this.finish(t.id);
  }

  /** Ships what the container wrote so far (readers call this first). */
  async flush(id: string): Promise<void> {
    await this.shippers.get(id)?.shipper.flush();
  }

  /** The container's monitor has exited: ship the rest and stop. */
  finish(id: string): Promise<void> {
    return this.end(id, (s) => s.finish());
  }

  /** Stops shipping without the final flush (removal, daemon shutdown); the spool keeps the rest. */
  close(id: string): Promise<void> {
    return this.end(id, (s) => s.close());
  }

  /** Readers following the log see the shipper as running until its last record is written. */
  private async end(id: string, how: (s: SpoolShipper) => Promise<void>): Promise<void> {
    const s = this.shippers.get(id);
    if (!s) return;
    s.ending ??= (async () => {
      await how(s.shipper);
      await s.writer.close();
      this.shippers.delete(id);
    })();
    await s.ending;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.shippers.keys()].map((id) => this.close(id)));
  }

  isShipping(id: string): boolean {
    return this.shippers.has(id);
  }

  /** The container's log records, oldest first; with `follow`, until it has stopped and all is read. */
  async *read(t: LogTarget, opts: ReadOptions): AsyncGenerator<ParsedJsonLog> {
    const plan = safePlan(t.config);
    if (!plan || plan.driver === 'none') return;
    await this.flush(t.id);
    const lines = followLines(this.livePath(t, plan), {
      follow: opts.follow,
      tail: opts.tail,
      rotated: true,
      isDone: () => opts.isStopped() && !this.shippers.has(t.id),
      onStop: opts.onStop,
      until: opts.until,
      signal: opts.signal,
    });
    for await (const line of lines) {
      const rec = parseJsonLogLine(line) ?? legacyRecord(line);
      if (!rec) continue;
      if (opts.since || opts.until) {
        const date = parseRfc3339(rec.time)?.date;
        if (!date) continue;
        if (opts.until && date > opts.until) return;
        if (opts.since && date < opts.since) continue;
      }
      yield rec;
    }
  }

  private livePath(t: LogTarget, plan: LogPlan): string {
    return plan.driver === 'local' ? join(t.dir, 'local-logs', 'container.log') : join(t.dir, `${t.id}-json.log`);
  }

  private async startShipper(t: LogTarget, plan: Exclude<LogPlan, { driver: 'none' }>, opts: { watch: boolean; fresh?: boolean }): Promise<void> {
    const path = this.livePath(t, plan);
    if (plan.driver === 'local') await mkdir(join(t.dir, 'local-logs'), { recursive: true, mode: 0o700 });
    const writer = new JsonLogWriter(path, plan);
    await writer.open();
    const shipper = new SpoolShipper({
      spoolPath: join(t.dir, SPOOL),
      checkpointPath: join(t.dir, CHECKPOINT),
      writer,
      attrs: plan.driver === 'json-file' ? logAttributes(plan.options, t.source) : undefined,
      reopenSpool: () => this.reopen(t.id),
    });
    this.shippers.set(t.id, { shipper, writer });
    try {
      await shipper.start(opts);
    } catch (err) {
      this.shippers.delete(t.id);
      await shipper.close();
      await writer.close();
      throw err;
    }
  }
}

interface Shipping {
  shipper: SpoolShipper;
  writer: JsonLogWriter;
  ending?: Promise<void>;
}

/**
 * A line of conmon's own format where a json-file record was expected: containers started by
 * Wharf before logs were shipped had conmon write `<id>-json.log` directly, and may still run.
 */
function legacyRecord(line: string): ParsedJsonLog | undefined {
  const e = parseSpoolLine(line);
  const t = e && parseRfc3339(e.time);
  if (!e || !t) return undefined;
  return { stream: e.stream, data: Buffer.from(e.partial ? e.content : `${e.content}\n`, 'utf8'), time: e.time, fixedTime: t.fixed };
}

/** A stored LogConfig that no longer plans (it was checked at start) is treated as keeping nothing. */
function safePlan(config: LogConfig | undefined): LogPlan | undefined {
  try {
    return planLogging(config);
  } catch {
    return undefined;
  }
}
