import type { ContainerContext } from './container-context.js';
import type { ContainerRecord, HealthState } from './container-record.js';
import type { ExecManager } from './exec-manager.js';

const NS_PER_MS = 1_000_000;
const DEFAULTS = { interval: 30_000, timeout: 30_000, startPeriod: 0, retries: 3 };
const KEEP_LOG = 5;

/** The command a HEALTHCHECK test runs, or undefined when checks are off. */
export function healthCommand(test: string[] | undefined): string[] | undefined {
  if (!test?.length) return undefined;
  const [kind, ...rest] = test;
  if (kind === 'CMD') return rest.length ? rest : undefined;
  if (kind === 'CMD-SHELL') return ['/bin/sh', '-c', rest.join(' ')];
  return undefined; // NONE, or unknown
}

/**
 * Runs a container's health check on its interval via exec, keeps Docker's Health state
 * (status, failing streak, last five results) and announces changes as events.
 */
export class HealthMonitor {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly ctx: ContainerContext, private readonly execs: ExecManager) {}

  watch(rec: ContainerRecord): void {
    const hc = rec.config.Healthcheck;
    const cmd = healthCommand(hc?.Test);
    if (!cmd) return;
    this.unwatch(rec.id);
    const ms = (v: number | undefined, d: number) => (v && v > 0 ? v / NS_PER_MS : d);
    const interval = ms(hc.Interval, DEFAULTS.interval);
    const timeout = ms(hc.Timeout, DEFAULTS.timeout);
    const startPeriod = ms(hc.StartPeriod, DEFAULTS.startPeriod);
    const retries = hc.Retries && hc.Retries > 0 ? hc.Retries : DEFAULTS.retries;
    const tick = async () => {
      if (rec.state.status !== 'running') return;
      const start = new Date();
      let result: { exitCode: number; output: string };
      try {
        result = await this.execs.runCaptured(rec.id, cmd, timeout);
      } catch (err) {
        result = { exitCode: -1, output: String(err instanceof Error ? err.message : err) };
      }
      if (result.exitCode === -1 && !result.output) result.output = `Health check exceeded timeout (${timeout / 1000}s)`;
      if (rec.state.status !== 'running' || !this.timers.has(rec.id)) return;
      const inStartPeriod = Date.now() - Date.parse(rec.state.startedAt) < startPeriod;
      this.record(rec, { Start: start.toISOString(), End: new Date().toISOString(), ExitCode: result.exitCode, Output: result.output }, retries, inStartPeriod);
      this.timers.set(rec.id, setTimeout(tick, interval).unref());
    };
    this.timers.set(rec.id, setTimeout(tick, interval).unref());
  }

  private record(rec: ContainerRecord, entry: HealthState['Log'][number], retries: number, inStartPeriod: boolean): void {
    const h: HealthState = rec.state.health ?? { Status: 'starting', FailingStreak: 0, Log: [] };
    const before = h.Status;
    h.Log = [...h.Log, entry].slice(-KEEP_LOG);
    if (entry.ExitCode === 0) {
      h.Status = 'healthy';
      h.FailingStreak = 0;
    } else if (!inStartPeriod) {
      h.FailingStreak++;
      if (h.FailingStreak >= retries) h.Status = 'unhealthy';
    }
    rec.state.health = h;
    void this.ctx.save(rec);
    if (h.Status !== before) this.ctx.emitEvent(rec, `health_status: ${h.Status}`);
  }

  unwatch(id: string): void {
    const t = this.timers.get(id);
    if (t) clearTimeout(t);
    this.timers.delete(id);
  }

  close(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
