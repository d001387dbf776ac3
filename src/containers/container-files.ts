import { lstat } from 'node:fs/promises';
import { basename, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { applyLayer } from '../archive/apply-layer.js';
import { cleanEntryName, resolveDirInRoot } from '../archive/safe-path.js';
import { invalidParameter, notFound, WharfError } from '../common/errors.js';
import type { ImageRuntimeConfig } from '../images/types.js';
import type { ContainerContext } from './container-context.js';
import type { ContainerRecord } from './container-record.js';
import type { DockerJson, PathStat } from './container-service.js';
import type { Lifecycle } from './lifecycle.js';

const IMAGE_CONFIG_KEYS = ['User', 'ExposedPorts', 'Env', 'Entrypoint', 'Cmd', 'Volumes', 'WorkingDir', 'Labels', 'StopSignal', 'Healthcheck', 'OnBuild', 'Shell'] as const;

/**
 * Files in a container: `docker cp` both ways, `export` and `commit`. A running
 * container's rootfs is already mounted; a stopped one is mounted for the operation
 * (under its lock) and unmounted after. Paths resolve with the container's root as "/".
 */
export class ContainerFiles {
  constructor(private readonly ctx: ContainerContext) {}

  /** Runs `fn` with the container's rootfs mounted; unmounts after if it was not running. */
  private async withRootfs<T>(rec: ContainerRecord, fn: (root: string) => Promise<T>, keepUntil?: (v: T) => Promise<void>): Promise<T> {
    const root = this.ctx.rootfs(rec.id);
    const running = rec.state.status === 'running' || rec.state.status === 'paused';
    if (running) return fn(root);
    return this.ctx.locks.run(rec.id, async () => {
      await this.ctx.deps.snapshotter.mount(rec.id, root);
      let v: T;
      try {
        v = await fn(root);
      } catch (err) {
        await this.ctx.deps.snapshotter.unmount(rec.id, root).catch(() => {});
        throw err;
      }
      if (keepUntil) {
        void keepUntil(v).finally(() => this.ctx.deps.snapshotter.unmount(rec.id, root).catch(() => {}));
      } else {
        await this.ctx.deps.snapshotter.unmount(rec.id, root);
      }
      return v;
    });
  }

  /** Resolves a container path to its host path, following symlinks in the parents only. */
  private async locate(root: string, path: string, rec: ContainerRecord): Promise<{ host: string; name: string }> {
    const comps = cleanEntryName(path);
    const leaf = comps.pop();
    let dir: string;
    try {
      dir = await resolveDirInRoot(root, comps, false);
    } catch {
      throw notFound(`Could not find the file ${path} in container ${rec.name}`);
    }
    return { host: leaf ? posix.join(dir, leaf) : dir, name: leaf ?? '/' };
  }

  private async statAt(root: string, path: string, rec: ContainerRecord): Promise<{ stat: PathStat; host: string }> {
    const { host, name } = await this.locate(root, path, rec);
    let st;
    try {
      st = await lstat(host);
    } catch {
      throw notFound(`Could not find the file ${path} in container ${rec.name}`);
    }
    let linkTarget = '';
    if (st.isSymbolicLink()) {
      const resolved = await resolveDirInRoot(root, cleanEntryName(path), false).catch(() => undefined);
      if (resolved) linkTarget = '/' + posix.relative(root, resolved);
    }
    // The tar code (and tar-stream) loads on first cp/export, not with the daemon.
    const { goFileMode } = await import('./path-archive.js');
    return { stat: { name, size: st.size, mode: goFileMode(st), mtime: st.mtime.toISOString(), linkTarget }, host };
  }

  async stat(ref: string, path: string): Promise<PathStat> {
    const rec = this.ctx.store.get(ref);
    return this.withRootfs(rec, async (root) => (await this.statAt(root, path, rec)).stat);
  }

  async get(ref: string, path: string): Promise<{ stat: PathStat; tar: Readable }> {
    const rec = this.ctx.store.get(ref);
    return this.withRootfs(
      rec,
      async (root) => {
        const { stat, host } = await this.statAt(root, path, rec);
        const name = path.endsWith('/.') ? '' : basename(host);
        const { packPath } = await import('./path-archive.js');
        return { stat, tar: packPath(host, name || '.') };
      },
      (v) => new Promise<void>((resolve) => v.tar.once('close', resolve).once('end', resolve).once('error', () => resolve())),
    );
  }

  async put(ref: string, path: string, tar: Readable, opts: { noOverwriteDirNonDir?: boolean; copyUIDGID?: boolean }): Promise<void> {
    const rec = this.ctx.store.get(ref);
    if (rec.hostConfig.ReadonlyRootfs) throw new WharfError('forbidden', 'container rootfs is marked read-only');
    await this.withRootfs(rec, async (root) => {
      let dest: string;
      try {
        dest = await resolveDirInRoot(root, cleanEntryName(path), false);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(`Could not find the file ${path} in container ${rec.name}`);
        throw invalidParameter(`extraction point is not a directory`);
      }
      // Plain extraction: a `.wh.` file copied in is just a file, not a deletion.
      await applyLayer(dest, tar, { whiteouts: 'none' });
    });
    this.ctx.emitEvent(rec, 'extract-to-dir');
  }

  async exportRootfs(ref: string): Promise<Readable> {
    const rec = this.ctx.store.get(ref);
    const skip = (rel: string) => rel === 'proc' || rel === 'sys';
    const tar = await this.withRootfs(
      rec,
      async (root) => (await import('./path-archive.js')).packPath(root, '', skip),
      (t) => new Promise<void>((resolve) => t.once('close', resolve).once('end', resolve).once('error', () => resolve())),
    );
    this.ctx.emitEvent(rec, 'export');
    return tar;
  }

  async commit(ref: string, opts: { repo?: string; tag?: string; author?: string; comment?: string; changes?: string[]; pause?: boolean; config?: DockerJson }, lifecycle: Lifecycle): Promise<{ Id: string }> {
    const rec = this.ctx.store.get(ref);
    const { images, snapshotter } = this.ctx.deps;
    const parent = await images.get(rec.imageId).catch(() => undefined);
    const config: ImageRuntimeConfig = {};
    for (const k of IMAGE_CONFIG_KEYS) if (rec.config[k] !== undefined && rec.config[k] !== null) (config as DockerJson)[k] = rec.config[k];
    Object.assign(config, opts.config ?? {});
    const pause = opts.pause !== false && rec.state.status === 'running';
    if (pause) await lifecycle.pause(rec.id);
    try {
      const reference = opts.repo ? `${opts.repo}${opts.tag ? `:${opts.tag}` : ''}` : undefined;
      const image = await images.commit(parent, snapshotter.exportChanges(rec.id), {
        reference, author: opts.author, comment: opts.comment, changes: opts.changes, config,
      });
      this.ctx.emitEvent(rec, 'commit', { comment: opts.comment ?? '' });
      return { Id: image.id };
    } finally {
      if (pause) await lifecycle.unpause(rec.id).catch(() => {});
    }
  }
}
