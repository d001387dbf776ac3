import { readFileSync } from 'node:fs';
import type { ContainerContext } from './container-context.js';
import type { ContainerRecord } from './container-record.js';
import type { Lifecycle } from './lifecycle.js';
import { restartOnDaemonStart } from './restart-policy.js';

function isMounted(path: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${path} `);
}

/** Exit code recorded when a container vanished without its monitor recording one. */
const UNKNOWN_EXIT = 255;

/**
 * Reconciles saved records with reality after a daemon (re)start: containers whose
 * monitor still runs are adopted again; ones that exited meanwhile get their real exit
 * code; interrupted removals are finished; restart policies are applied; stopped
 * auto-remove containers are removed (as dockerd does at restore).
 */
export async function restoreContainers(
  ctx: ContainerContext,
  lifecycle: Lifecycle,
  opts: {
    /** Containers the runtime still holds state or an exit file for. */
    held: Set<string>;
    watchHealth: (rec: ContainerRecord) => void;
    finishRemoval: (rec: ContainerRecord) => Promise<void>;
  },
): Promise<void> {
  const { runtime, snapshotter } = ctx.deps;
  const { held, watchHealth, finishRemoval } = opts;
  const toStart: ContainerRecord[] = [];
  const toRemove: ContainerRecord[] = [];
  for (const rec of ctx.store.all()) {
    try {
      if (rec.state.status === 'removing') {
        await finishRemoval(rec);
        continue;
      }
      if (rec.state.status === 'running' || rec.state.status === 'paused') {
        const st = await runtime.state(rec.id);
        if (st && (st.status === 'running' || st.status === 'paused') && !(await runtime.exitStatus(rec.id))) {
          await runtime.restore(rec.id, ctx.bundle(rec.id));
          await ctx.logs.resume(ctx.logTarget(rec)).catch(() => {});
          rec.state.status = st.status;
          rec.state.pid = st.pid;
          await ctx.save(rec);
          watchHealth(rec);
          continue;
        }
        const exit = await runtime.exitStatus(rec.id);
        await runtime.delete(rec.id, { force: true }).catch(() => {});
        await snapshotter.unmount(rec.id, ctx.rootfs(rec.id)).catch(() => {});
        await ctx.logs.recover(ctx.logTarget(rec)).catch(() => {});
        rec.state = {
          ...rec.state,
          status: 'exited',
          pid: 0,
          exitCode: exit?.code ?? UNKNOWN_EXIT,
          oomKilled: exit?.oomKilled ?? false,
          finishedAt: (exit?.finishedAt ?? new Date()).toISOString(),
        };
        await ctx.save(rec);
        ctx.emitEvent(rec, 'die', { exitCode: String(rec.state.exitCode) });
        if (rec.hostConfig.AutoRemove) {
          toRemove.push(rec);
          continue;
        }
        const policy = rec.hostConfig.RestartPolicy?.Name;
        if (restartOnDaemonStart(rec) || (policy === 'on-failure' && rec.state.exitCode !== 0 && !rec.manuallyStopped)) toStart.push(rec);
        continue;
      }
      // Output of a container that stopped before its shipping was done (a restart would append to it).
      await ctx.logs.recover(ctx.logTarget(rec)).catch(() => {});
      if (rec.state.status === 'exited' && (held.has(rec.id) || isMounted(ctx.rootfs(rec.id)))) {
        // The daemon died between saving an exit and tearing the container down (runtime state
        // or exit file still there, rootfs still mounted).
        await runtime.delete(rec.id, { force: true }).catch(() => {});
        await snapshotter.unmount(rec.id, ctx.rootfs(rec.id)).catch(() => {});
      }
      if (rec.state.status === 'created') {
        // A crash between the runtime's create and our save leaves a runc container behind.
        await runtime.delete(rec.id, { force: true }).catch(() => {});
        await snapshotter.unmount(rec.id, ctx.rootfs(rec.id)).catch(() => {});
      }
      if (rec.hostConfig.AutoRemove && (rec.state.status === 'created' || rec.state.status === 'exited' || rec.state.status === 'dead')) {
        toRemove.push(rec);
        continue;
      }
      if (rec.state.status === 'created') continue;
      if (rec.state.status === 'restarting' || (rec.state.status === 'exited' && restartOnDaemonStart(rec))) toStart.push(rec);
    } catch {
      // One broken container must not keep the daemon from starting; it stays as recorded.
    }
  }
  // Networking of containers that are gone (or were never torn down) goes before anything restarts.
  await ctx.deps.networks?.reconcile(ctx.store.all().filter((r) => r.state.status === 'running' || r.state.status === 'paused').map((r) => r.id)).catch(() => {});
  for (const rec of toRemove) await lifecycle.autoRemove(rec).catch(() => {});
  for (const rec of toStart) {
    rec.state.status = 'exited';
    await ctx.locks.run(rec.id, () => lifecycle.startLocked(rec)).catch(() => {});
  }
}
