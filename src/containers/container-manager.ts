import { readdir, rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { conflict, invalidParameter, notFound } from '../common/errors.js';
import type { ContainerStats } from '../runtime/runtime.js';
import type { Change } from '../snapshots/snapshotter.js';
import { ContainerContext, type ContainerDeps } from './container-context.js';
import type { ContainerRecord } from './container-record.js';
import { isActive } from './container-record.js';
import type {
  ContainerCreateBody, ContainerService, DockerJson, ExecStart, LogOptions, LogEntry, PathStat, WaitCondition,
} from './container-service.js';
import { inspectView, summaryView } from './container-view.js';
import { createContainer } from './create-container.js';
import { updateContainer } from './container-update.js';
import { Lifecycle } from './lifecycle.js';
import { containerFilter } from './list-filters.js';
import { statsView } from './stats-view.js';
import { topOf } from './top.js';
import { ContainerIO } from './container-io.js';
import { ExecManager } from './exec-manager.js';
import { HealthMonitor } from './health-monitor.js';
import { ContainerFiles } from './container-files.js';
import { restoreContainers } from './restore.js';
import { releaseMounts, removeAnonymousVolumes, volumeUsers } from './container-volumes.js';
import { networkSettingsOf } from './container-network.js';
import { syncHostsAddresses } from './etc-files.js';
import type { AttachStreams } from '../runtime/runtime.js';

/** The engine's ContainerService: composes lifecycle, I/O, exec, health and file access over one store. */
export class ContainerManager implements ContainerService {
  readonly ctx: ContainerContext;
  readonly lifecycle: Lifecycle;
  private readonly io: ContainerIO;
  private readonly execs: ExecManager;
  private readonly health: HealthMonitor;
  private readonly files: ContainerFiles;
  private readonly lastStats = new Map<string, ContainerStats>();

  private constructor(deps: ContainerDeps) {
    this.ctx = new ContainerContext(deps);
    this.lifecycle = new Lifecycle(this.ctx);
    this.io = new ContainerIO(this.ctx, this.lifecycle);
    this.execs = new ExecManager(this.ctx);
    this.health = new HealthMonitor(this.ctx, this.execs);
    this.files = new ContainerFiles(this.ctx);
    this.lifecycle.onStarted = (rec) => this.health.watch(rec);
    this.lifecycle.onStopped = (rec) => {
      this.health.unwatch(rec.id);
      this.execs.forgetContainer(rec);
    };
    this.lifecycle.autoRemove = (rec) => this.remove(rec.id, { force: true, volumes: true });
    deps.images.setUsageCheck((imageId) => {
      const users = this.ctx.store.all().filter((c) => c.imageId === imageId);
      const user = users.find((c) => isActive(c)) ?? users[0];
      return user && { id: user.id, running: isActive(user) };
    });
    deps.volumes?.setUsage((name) => volumeUsers(this.ctx, name));
  }

  /** Loads saved containers and reconciles them with what the runtime reports (after a crash too). */
  static async open(deps: ContainerDeps): Promise<ContainerManager> {
    const m = new ContainerManager(deps);
    const known = new Set((await m.ctx.store.load()).map((r) => r.id));
    // A create or removal killed midway leaves a layer or a runtime bundle nobody would remove.
    for (const id of await deps.snapshotter.containerLayers()) if (!known.has(id)) await deps.snapshotter.removeContainerLayer(id);
    // The runtime state root is the engine's own: what no record knows of is a leftover.
    const held = await deps.runtime.containers();
    for (const id of held) if (!known.has(id)) await deps.runtime.delete(id, { force: true }).catch(() => {});
    for (const id of await readdir(m.ctx.bundles).catch(() => [] as string[])) if (!known.has(id)) await rm(m.ctx.bundle(id), { recursive: true, force: true });
    await restoreContainers(m.ctx, m.lifecycle, {
      held: new Set(held.filter((id) => known.has(id))),
      watchHealth: (rec) => m.health.watch(rec),
      finishRemoval: (rec) => m.finishRemoval(rec),
    });
    return m;
  }

  create(body: ContainerCreateBody, opts: { name?: string; platform?: string }) {
    return createContainer(this.ctx, body, opts);
  }

  async list(opts: { all?: boolean; limit?: number; size?: boolean; filters?: Record<string, string[]> }): Promise<DockerJson[]> {
    const pred = containerFilter(opts.filters ?? {}, (r) => this.ctx.store.get(r), (rec, ref) => this.ancestorMatches(rec, ref));
    let recs = this.ctx.store.all().filter(pred);
    if (!opts.all && !(opts.limit && opts.limit > 0) && !opts.filters?.status?.length && !opts.filters?.exited?.length) {
      recs = recs.filter((r) => isActive(r));
    }
    recs.sort((a, b) => Date.parse(b.created) - Date.parse(a.created));
    if (opts.limit && opts.limit > 0) recs = recs.slice(0, opts.limit);
    return Promise.all(recs.map(async (r) => summaryView(r, networkSettingsOf(this.ctx, r), opts.size ? await this.sizes(r) : undefined)));
  }

  private ancestorMatches(rec: ContainerRecord, ref: string): boolean {
    if (rec.image === ref || rec.imageId === ref || rec.imageId.replace('sha256:', '').startsWith(ref)) return true;
    return false;
  }

  private async sizes(rec: ContainerRecord): Promise<{ rw: number; rootFs: number }> {
    const rw = await this.ctx.deps.snapshotter.containerLayerSize(rec.id).catch(() => 0);
    const image = await this.ctx.deps.images.get(rec.imageId).catch(() => undefined);
    return { rw, rootFs: rw + (image?.size ?? 0) };
  }

  async inspect(ref: string, opts?: { size?: boolean }): Promise<DockerJson> {
    const rec = this.ctx.store.get(ref);
    const snap = this.ctx.deps.snapshotter;
    const lowers = await snap.lowerDirs(rec.id).catch(() => []);
    const upper = snap.upperDir(rec.id);
    const graph = { LowerDir: lowers.join(':'), MergedDir: this.ctx.rootfs(rec.id), UpperDir: upper, WorkDir: upper.replace(/upper$/, 'work') };
    return inspectView(rec, { files: this.ctx.etcFiles(rec.id), logPath: this.ctx.logPath(rec), graph, network: networkSettingsOf(this.ctx, rec) }, opts?.size ? await this.sizes(rec) : undefined);
  }

  start(ref: string) { return this.lifecycle.start(ref); }
  stop(ref: string, opts: { signal?: string; timeout?: number }) { return this.lifecycle.stop(ref, opts); }
  restart(ref: string, opts: { signal?: string; timeout?: number }) { return this.lifecycle.restart(ref, opts); }
  kill(ref: string, signal?: string) { return this.lifecycle.kill(ref, signal); }
  pause(ref: string) { return this.lifecycle.pause(ref); }
  unpause(ref: string) { return this.lifecycle.unpause(ref); }

  async wait(ref: string, condition: WaitCondition, signal?: AbortSignal, ready?: () => void) {
    const rec = this.ctx.store.get(ref);
    const result = (code: number) => ({ StatusCode: code, Error: null });
    if (condition === 'not-running' && (!isActive(rec) || rec.state.status === 'restarting') && rec.state.status !== 'removing') {
      ready?.();
      return result(rec.state.exitCode);
    }
    const ev = condition === 'removed' ? `removed:${rec.id}` : `exit:${rec.id}`;
    return new Promise<{ StatusCode: number; Error: null }>((resolve, reject) => {
      const onEvent = (code: number) => {
        cleanup();
        resolve(result(code));
      };
      const onAbort = () => {
        cleanup();
        reject(new Error('wait aborted'));
      };
      const cleanup = () => {
        this.ctx.signals.off(ev, onEvent);
        signal?.removeEventListener('abort', onAbort);
      };
      this.ctx.signals.on(ev, onEvent);
      signal?.addEventListener('abort', onAbort);
      ready?.();
    });
  }

  async remove(ref: string, opts: { force?: boolean; volumes?: boolean; link?: boolean }): Promise<void> {
    if (opts.link) throw invalidParameter('Conflict, cannot remove the default link name of the container');
    const rec = this.ctx.store.get(ref);
    // Decided under the lock; if a racing start won, go around: stop it (force) or refuse.
    for (;;) {
      if (isActive(rec) && rec.state.status !== 'restarting') {
        if (!opts.force) {
          throw conflict(`You cannot remove a ${rec.state.status} container ${rec.id}. Stop the container before attempting removal or force remove`);
        }
        await this.lifecycle.kill(rec.id, 'SIGKILL').catch(() => {});
      }
      this.lifecycle.cancelRestart(rec.id);
      const done = await this.ctx.locks.run(rec.id, async () => {
        if (!this.ctx.store.find(rec.id)) throw notFound(`No such container: ${ref}`);
        if (rec.state.status === 'removing') throw conflict(`removal of container ${rec.id} is already in progress`);
        if (isActive(rec) && rec.state.status !== 'restarting') return false;
        // A container that exited was already torn down in the runtime by its exit handling.
        const runtimeClean = (rec.state.status === 'exited' && !this.ctx.needsTeardown.has(rec.id)) || (rec.state.status === 'created' && !rec.hasBeenStarted);
        rec.state.status = 'removing';
        await this.ctx.save(rec);
        await this.finishRemoval(rec, runtimeClean);
        if (opts.volumes) await removeAnonymousVolumes(this.ctx, rec);
        return true;
      });
      if (done) return;
    }
  }

  /**
   * Tears down everything a container owns; also used by restore for a removal a crash
   * interrupted. The record says "removing" on disk before this runs, so the container
   * leaves the index and waiters hear "removed" first; the teardown follows (restore
   * finishes it after a crash), which keeps `run --rm` from waiting on unmounts.
   */
  async finishRemoval(rec: ContainerRecord, runtimeClean = false): Promise<void> {
    const p = this.teardown(rec, runtimeClean);
    this.inFlight.add(p);
    try {
      await p;
    } finally {
      this.inFlight.delete(p);
    }
  }

  /** Teardowns still running (after waiters heard "removed"); a stopping daemon waits for them. */
  private readonly inFlight = new Set<Promise<void>>();

  async drain(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private async teardown(rec: ContainerRecord, runtimeClean: boolean): Promise<void> {
    const { runtime, snapshotter } = this.ctx.deps;
    this.health.unwatch(rec.id);
    this.execs.forgetContainer(rec);
    this.ctx.store.unindex(rec);
    this.lastStats.delete(rec.id);
    const logsClosed = this.ctx.logs.close(rec.id);
    this.ctx.emitEvent(rec, 'destroy');
    this.ctx.signals.emit(`removed:${rec.id}`, rec.state.exitCode);
    if (!runtimeClean) {
      await Promise.all([
        runtime.delete(rec.id, { force: true }).catch(() => {}),
        snapshotter.unmount(rec.id, this.ctx.rootfs(rec.id)).catch(() => {}),
        releaseMounts(this.ctx, rec),
      ]);
    }
    this.ctx.needsTeardown.delete(rec.id);
    await logsClosed;
    await this.ctx.deps.networks?.forget(rec.id).catch(() => {});
    await snapshotter.removeContainerLayer(rec.id);
    await rm(this.ctx.bundle(rec.id), { recursive: true, force: true });
    await this.ctx.store.delete(rec);
  }

  /** A running container's /etc/hosts follows its addresses after network connect/disconnect. */
  async networksChanged(ref: string): Promise<void> {
    const rec = this.ctx.store.get(ref);
    const att = this.ctx.deps.networks?.attached(rec.id);
    if (!isActive(rec) || !att?.netnsPath || !rec.config.Hostname) return;
    await syncHostsAddresses(this.ctx.etcFiles(rec.id).hostsPath, rec.config.Hostname, att.endpoints.map((e) => e.ip));
  }

  async rename(ref: string, newName: string): Promise<void> {
    const rec = this.ctx.store.get(ref);
    const name = newName.replace(/^\//, '');
    if (!name) throw invalidParameter('Neither old nor new names may be empty');
    if (name === rec.name) throw invalidParameter(`Renaming a container with the same name as its current name`);
    await this.ctx.locks.run(rec.id, async () => {
      this.ctx.store.reserveName(name, rec.id);
      const old = rec.name;
      rec.name = name;
      await this.ctx.save(rec, true);
      this.ctx.store.releaseName(old, rec.id);
      this.ctx.emitEvent(rec, 'rename', { oldName: `/${old}` });
    });
  }

  update(ref: string, body: DockerJson): Promise<{ Warnings: string[] }> {
    return updateContainer(this.ctx, ref, body);
  }

  logs(ref: string, opts: LogOptions): Promise<{ tty: boolean; entries: AsyncIterable<LogEntry> }> {
    return this.io.logs(ref, opts);
  }
  attach(ref: string, opts: { stdin: boolean; stdout: boolean; stderr: boolean; logs?: boolean; stream?: boolean }): Promise<{ tty: boolean; io: AttachStreams }> {
    return this.io.attach(ref, opts);
  }
  resize(ref: string, height: number, width: number) {
    return this.io.resize(ref, height, width);
  }

  async top(ref: string, psArgs?: string) {
    const rec = this.ctx.store.get(ref);
    if (rec.state.status !== 'running' && rec.state.status !== 'paused') throw conflict(`Container ${rec.id} is not running`);
    return topOf(await this.ctx.deps.runtime.pids(rec.id), psArgs);
  }

  async stats(ref: string): Promise<DockerJson> {
    const rec = this.ctx.store.get(ref);
    if (rec.state.status !== 'running' && rec.state.status !== 'paused') return statsView(rec, undefined, undefined);
    const now = await this.ctx.deps.runtime.stats(rec.id);
    const prev = this.lastStats.get(rec.id);
    this.lastStats.set(rec.id, now);
    return statsView(rec, now, prev);
  }

  async changes(ref: string): Promise<Change[]> {
    return this.ctx.deps.snapshotter.diff(this.ctx.store.get(ref).id);
  }
  export(ref: string): Promise<Readable> {
    return this.files.exportRootfs(ref);
  }
  archiveStat(ref: string, path: string): Promise<PathStat> {
    return this.files.stat(ref, path);
  }
  archiveGet(ref: string, path: string) {
    return this.files.get(ref, path);
  }
  archivePut(ref: string, path: string, tar: Readable, opts: { noOverwriteDirNonDir?: boolean; copyUIDGID?: boolean }) {
    return this.files.put(ref, path, tar, opts);
  }
  commit(ref: string, opts: Parameters<ContainerService['commit']>[1]) {
    return this.files.commit(ref, opts, this.lifecycle);
  }

  async prune(filters: Record<string, string[]>) {
    const pred = containerFilter(
      Object.fromEntries(Object.entries(filters).filter(([k]) => k === 'label')),
      (r) => this.ctx.store.get(r),
      () => true,
    );
    const until = filters.until?.[0];
    const cutoff = until ? (/^\d+(\.\d+)?$/.test(until) ? Number(until) * 1000 : Date.now() - parseDurationMs(until)) : Infinity;
    const deleted: string[] = [];
    let space = 0;
    for (const rec of this.ctx.store.all()) {
      if (isActive(rec) || rec.state.status === 'removing' || !pred(rec) || Date.parse(rec.created) >= cutoff) continue;
      const size = await this.ctx.deps.snapshotter.containerLayerSize(rec.id).catch(() => 0);
      try {
        await this.remove(rec.id, {});
        deleted.push(rec.id);
        space += size;
      } catch {
        // Raced with a start or another removal: leave it.
      }
    }
    return { ContainersDeleted: deleted.length ? deleted : null, SpaceReclaimed: space };
  }

  execCreate(ref: string, body: DockerJson) { return this.execs.create(ref, body); }
  execStart(execId: string, opts: { detach: boolean; tty?: boolean }): Promise<ExecStart> { return this.execs.start(execId, opts); }
  execInspect(execId: string) { return this.execs.inspect(execId); }
  execResize(execId: string, height: number, width: number) { return this.execs.resize(execId, height, width); }

  async close(): Promise<void> {
    this.lifecycle.close();
    this.health.close();
    await this.ctx.logs.closeAll();
  }
}

/** Go duration strings as Docker's `until` filter takes them ("10m", "1h30m", "24h"). */
function parseDurationMs(s: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  let m: RegExpExecArray | null;
  let matched = '';
  while ((m = re.exec(s))) {
    total += Number(m[1]) * units[m[2]];
    matched += m[0];
  }
  if (!matched || matched !== s) throw invalidParameter(`time: invalid duration "${s}"`);
  return total;
}
