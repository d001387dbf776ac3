import { mkdir } from 'node:fs/promises';
import { conflict, errorMessage, invalidParameter, notModified, WharfError } from '../common/errors.js';
import type { ContainerContext } from './container-context.js';
import type { ContainerRecord } from './container-record.js';
import { isActive } from './container-record.js';
import { restartDelay } from './restart-policy.js';
import { parseSignal } from './signals.js';
import { specInputOf } from './spec-input.js';
import { writeEtcFiles } from './etc-files.js';
import { acquireMounts, releaseMounts } from './container-volumes.js';
import { attachNetworks, detachNetworks } from './container-network.js';
import { LoggingInitError } from '../logging/index.js';

const DEFAULT_STOP_TIMEOUT_S = 10;

/** Maps a runtime start failure to dockerd's status and the container's exit code. */
function startFailure(rec: ContainerRecord, err: unknown): { error: WharfError; exitCode: number } {
  const raw = errorMessage(err);
  const msg = `failed to create task for container: OCI runtime create failed: ${raw}: unknown`;
  const lower = raw.toLowerCase();
  if (lower.includes(rec.path.toLowerCase()) && (lower.includes('executable file not found') || lower.includes('no such file or directory'))) {
    return { error: invalidParameter(msg, err), exitCode: 127 };
  }
  if (lower.includes('permission denied')) return { error: invalidParameter(msg, err), exitCode: 126 };
  if (lower.includes('not a directory')) {
    return { error: invalidParameter(`${msg}: Are you trying to mount a directory onto a file (or vice-versa)? Check if the specified host path exists and is the expected type`, err), exitCode: 127 };
  }
  return { error: new WharfError('internal', msg, { cause: err }), exitCode: 128 };
}

/**
 * Start, stop, signals and exits. Every state change happens under the container's lock
 * and is saved before it is announced, so a daemon crash leaves a record that restore
 * can reconcile with what conmon and runc report.
 */
export class Lifecycle {
  private readonly backoff = new Map<string, number>();
  private readonly restartTimers = new Map<string, NodeJS.Timeout>();
  /** Work to do after the runtime created the container and before its process runs (attach). */
  readonly beforeRun = new Map<string, Set<() => Promise<void>>>();
  /** Called after a container starts (health checks hook in here). */
  onStarted: (rec: ContainerRecord) => void = () => {};
  onStopped: (rec: ContainerRecord) => void = () => {};
  /** Removes an auto-remove container after it exits. */
  autoRemove: (rec: ContainerRecord) => Promise<void> = async () => {};

  constructor(private readonly ctx: ContainerContext) {
    ctx.deps.runtime.onExit((id) => void this.handleExit(id));
  }

  async start(ref: string): Promise<void> {
    const rec = this.ctx.store.get(ref);
    await this.ctx.locks.run(rec.id, async () => {
      if (rec.state.status === 'running' || rec.state.status === 'paused') throw notModified();
      if (rec.state.status === 'removing' || rec.state.status === 'dead') {
        throw conflict(`cannot start a container that has been removed`);
      }
      rec.manuallyStopped = false;
      this.cancelRestart(rec.id);
      await this.startLocked(rec);
    });
  }

  /** Mounts the rootfs, creates the container in the runtime, runs pre-run hooks, starts it. */
  async startLocked(rec: ContainerRecord): Promise<void> {
    const { runtime, snapshotter } = this.ctx.deps;
    const rootfs = this.ctx.rootfs(rec.id);
    const bundle = this.ctx.bundle(rec.id);
    await mkdir(bundle, { recursive: true });
    // A previous run's runtime state would make create fail (restore clears it for never-started ones).
    if (rec.hasBeenStarted) await runtime.delete(rec.id, { force: true }).catch(() => {});
    await snapshotter.mount(rec.id, rootfs);
    const logTarget = this.ctx.logTarget(rec);
    try {
      const logPlan = this.ctx.logs.plan(logTarget);
      const net = await attachNetworks(this.ctx, rec);
      // Written at each start, as dockerd does: networking decides their content.
      await writeEtcFiles(this.ctx.dir(rec.id), rec.config, rec.hostConfig, net);
      await acquireMounts(this.ctx, rec, rootfs);
      const spec = (await runtime.buildSpec(specInputOf(rec, rootfs, this.ctx.etcFiles(rec.id), net.network, this.ctx.deps.cgroupParent))) as { process?: Record<string, unknown> };
      await this.ctx.grantRealtimeBudget(rec);
      // The client's terminal size at create time, so the first output already fits (dockerd does the same).
      const [height, width] = rec.hostConfig.ConsoleSize ?? [0, 0];
      if (rec.config.Tty && spec.process && height > 0 && width > 0) spec.process.consoleSize = { height, width };
      const { pid } = await runtime.create({
        id: rec.id,
        bundle,
        spec,
        logPath: this.ctx.logs.monitorLogPath(logTarget, logPlan),
        tty: Boolean(rec.config.Tty),
        openStdin: Boolean(rec.config.OpenStdin),
        stdinOnce: Boolean(rec.config.StdinOnce),
      });
      // conmon is already spooling: the shipper can open the files while attach hooks run.
      const logsAttached = this.ctx.logs.attach(logTarget, logPlan);
      logsAttached.catch(() => {});
      await net.ready;
      for (const hook of this.beforeRun.get(rec.id) ?? []) await hook().catch(() => {});
      await logsAttached;
      this.beforeRun.delete(rec.id);
      await runtime.start(rec.id);
      rec.state = { ...rec.state, status: 'running', pid, exitCode: 0, error: '', oomKilled: false, startedAt: new Date().toISOString() };
      if (rec.config.Healthcheck?.Test?.length && rec.config.Healthcheck.Test[0] !== 'NONE') {
        rec.state.health = { Status: 'starting', FailingStreak: 0, Log: [] };
      }
      rec.hasBeenStarted = true;
      await this.ctx.save(rec);
    } catch (err) {
      await runtime.delete(rec.id, { force: true }).catch(() => {});
      await this.ctx.logs.finish(rec.id).catch(() => {});
      await snapshotter.unmount(rec.id, rootfs).catch(() => {});
      await releaseMounts(this.ctx, rec);
      await detachNetworks(this.ctx, rec);
      const f = startFailure(rec, err);
      // The runtime's own classification of the failure (bad config vs internal) wins.
      if ((err instanceof WharfError && err.kind !== 'internal') || err instanceof LoggingInitError) f.error = err;
      rec.state = { ...rec.state, status: rec.hasBeenStarted ? 'exited' : 'created', pid: 0, exitCode: f.exitCode, error: f.error.message };
      if (rec.hasBeenStarted) rec.state.finishedAt = new Date().toISOString();
      await this.ctx.save(rec);
      this.ctx.signals.emit(`exit:${rec.id}`, f.exitCode);
      // dockerd removes an auto-remove container whose start failed; `run --rm` waits for that.
      if (rec.hostConfig.AutoRemove) setImmediate(() => void this.autoRemove(rec).catch(() => {}));
      throw f.error;
    }
    this.ctx.emitEvent(rec, 'start');
    this.onStarted(rec);
    // A process that died between create and now may have been reported before we saved "running".
    if (await runtime.exitStatus(rec.id)) void this.handleExit(rec.id);
  }

  async stop(ref: string, opts: { signal?: string; timeout?: number }): Promise<void> {
    const rec = this.ctx.store.get(ref);
    if (rec.state.status === 'restarting') {
      this.cancelRestart(rec.id);
      await this.ctx.locks.run(rec.id, async () => {
        rec.manuallyStopped = true;
        rec.state.status = 'exited';
        await this.ctx.save(rec);
      });
      return;
    }
    if (!isActive(rec)) throw notModified();
    const signal = parseSignal(opts.signal ?? rec.config.StopSignal);
    const timeout = opts.timeout ?? rec.config.StopTimeout ?? DEFAULT_STOP_TIMEOUT_S;
    rec.manuallyStopped = true;
    await this.ctx.save(rec);
    this.ctx.emitEvent(rec, 'kill', { signal: String(signal) });
    await this.signal(rec, signal);
    if (timeout >= 0 && (await this.waitForExit(rec, timeout * 1000))) return;
    await this.signal(rec, 'SIGKILL');
    await this.waitForExit(rec, 30_000);
  }

  async kill(ref: string, sig?: string): Promise<void> {
    // dockerd checks the signal before it looks the container up.
    const signal = parseSignal(sig, 'SIGKILL');
    const rec = this.ctx.store.get(ref);
    // A start in flight (e.g. `docker run` forwarding a Ctrl-C) finishes first, then gets the signal.
    if (rec.state.status === 'created') await this.ctx.locks.run(rec.id, async () => {});
    if (rec.state.status !== 'running' && rec.state.status !== 'paused') {
      throw conflict(`Cannot kill container: ${ref}: Container ${rec.id} is not running`);
    }
    if (signal === 'SIGKILL' || signal === 'SIGTERM' || signal === 'SIGINT') {
      rec.manuallyStopped = true;
      await this.ctx.save(rec);
    }
    this.ctx.emitEvent(rec, 'kill', { signal: String(signal) });
    await this.signal(rec, signal);
    if (signal === 'SIGKILL') await this.waitForExit(rec, 30_000);
  }

  async restart(ref: string, opts: { signal?: string; timeout?: number }): Promise<void> {
    const rec = this.ctx.store.get(ref);
    if (isActive(rec)) await this.stop(ref, opts).catch((e) => { if (!(e instanceof WharfError && e.kind === 'not-modified')) throw e; });
    await this.start(rec.id).catch((e) => { if (!(e instanceof WharfError && e.kind === 'not-modified')) throw e; });
    rec.manuallyStopped = false;
    this.ctx.emitEvent(rec, 'restart');
  }

  async pause(ref: string): Promise<void> {
    const rec = this.ctx.store.get(ref);
    await this.ctx.locks.run(rec.id, async () => {
      if (rec.state.status === 'paused') throw conflict(`Container ${rec.id} is already paused`);
      if (rec.state.status !== 'running') throw conflict(`Container ${rec.id} is not running`);
      await this.ctx.deps.runtime.pause(rec.id);
      rec.state.status = 'paused';
      await this.ctx.save(rec);
    });
    this.ctx.emitEvent(rec, 'pause');
  }

  async unpause(ref: string): Promise<void> {
    const rec = this.ctx.store.get(ref);
    await this.ctx.locks.run(rec.id, async () => {
      if (rec.state.status !== 'paused') throw conflict(`Container ${rec.id} is not paused`);
      await this.ctx.deps.runtime.resume(rec.id);
      rec.state.status = 'running';
      await this.ctx.save(rec);
    });
    this.ctx.emitEvent(rec, 'unpause');
  }

  /** Sends a signal; a paused container is thawed so the signal can act, as dockerd does. */
  private async signal(rec: ContainerRecord, signal: string): Promise<void> {
    const { runtime } = this.ctx.deps;
    try {
      await runtime.kill(rec.id, signal, signal === 'SIGKILL');
    } catch (err) {
      if (await runtime.exitStatus(rec.id)) return; // already gone
      throw err;
    }
    if (rec.state.status === 'paused') {
      await runtime.resume(rec.id).catch(() => {});
      // The signal may have ended it meanwhile (runc thaws to deliver a kill to all): its exit stands.
      if (rec.state.status === 'paused') rec.state.status = 'running';
    }
  }

  /** Resolves true when the container exits within `ms`. */
  waitForExit(rec: ContainerRecord, ms: number): Promise<boolean> {
    if (!isActive(rec) || rec.state.status === 'restarting') return Promise.resolve(true);
    return new Promise((resolve) => {
      const ev = `exit:${rec.id}`;
      const done = (v: boolean) => {
        clearTimeout(timer);
        this.ctx.signals.off(ev, onExit);
        resolve(v);
      };
      const onExit = () => done(true);
      const timer = setTimeout(() => done(false), ms);
      this.ctx.signals.on(ev, onExit);
    });
  }

  /** Records an exit reported by the monitor, then applies the restart policy or auto-removal. */
  async handleExit(id: string): Promise<void> {
    const rec = this.ctx.store.find(id);
    if (!rec) return;
    const { runtime, snapshotter } = this.ctx.deps;
    let exitCode = -1;
    await this.ctx.locks.run(rec.id, async () => {
      if (rec.state.status !== 'running' && rec.state.status !== 'paused') return;
      const st = await runtime.exitStatus(rec.id);
      if (!st) return;
      exitCode = st.code;
      rec.state = { ...rec.state, status: 'exited', pid: 0, exitCode: st.code, oomKilled: st.oomKilled, finishedAt: st.finishedAt.toISOString() };
      if (rec.state.health) rec.state.health = { ...rec.state.health, Status: 'unhealthy' };
      // Saved before the runtime forgets the exit code: a crash from here on loses nothing.
      await this.ctx.save(rec);
      // An auto-remove container is torn down by its removal, which answers waiters first.
      if (rec.hostConfig.AutoRemove && !rec.manuallyStopped) {
        this.ctx.needsTeardown.add(rec.id);
        return;
      }
      await Promise.all([
        runtime.delete(rec.id, { force: true }).catch(() => {}),
        snapshotter.unmount(rec.id, this.ctx.rootfs(rec.id)).catch(() => {}),
        releaseMounts(this.ctx, rec),
        detachNetworks(this.ctx, rec),
      ]);
      // The monitor is gone now (delete waits for it): everything it wrote is in the spool.
      await this.ctx.logs.finish(rec.id).catch(() => {});
    });
    if (exitCode < 0) return;
    this.onStopped(rec);
    this.ctx.emitEvent(rec, 'die', { exitCode: String(exitCode) });
    this.ctx.signals.emit(`exit:${rec.id}`, exitCode);
    const ranFor = Date.parse(rec.state.finishedAt) - Date.parse(rec.state.startedAt);
    const delay = restartDelay(rec, exitCode, ranFor, this.backoff);
    if (delay !== undefined) return this.scheduleRestart(rec, delay);
    if (rec.hostConfig.AutoRemove) await this.autoRemove(rec).catch(() => {});
  }

  private scheduleRestart(rec: ContainerRecord, delayMs: number): void {
    rec.state.status = 'restarting';
    void this.ctx.save(rec);
    const timer = setTimeout(() => {
      this.restartTimers.delete(rec.id);
      void this.ctx.locks.run(rec.id, async () => {
        if (rec.state.status !== 'restarting') return;
        rec.restartCount++;
        await this.startLocked(rec);
      }).catch(() => {
        // A failed restart is retried by the policy like any other exit.
        const d = restartDelay(rec, rec.state.exitCode || 1, 0, this.backoff);
        if (d !== undefined && this.ctx.store.find(rec.id)) this.scheduleRestart(rec, d);
      });
    }, delayMs);
    timer.unref();
    this.restartTimers.set(rec.id, timer);
  }

  cancelRestart(id: string): void {
    const t = this.restartTimers.get(id);
    if (t) clearTimeout(t);
    this.restartTimers.delete(id);
  }

  close(): void {
    for (const t of this.restartTimers.values()) clearTimeout(t);
    this.restartTimers.clear();
  }
}
