import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, stat, symlink, readlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { Readable } from 'node:stream';
import { removeAtomicTemps, writeFileAtomic, writeJsonAtomic } from '../common/atomic-file.js';
import { internal, invalidParameter, notFound } from '../common/errors.js';
import type { ContentReader } from '../content/content-store.js';
import { applyLayer } from '../archive/apply-layer.js';
import { overlayChanges, type LowerLayer } from '../archive/overlay-changes.js';
import { exportOverlayLayer } from '../archive/overlay-export.js';
import { upperSize } from '../archive/overlay-size.js';
import type { Image } from '../images/types.js';
import { isMountPoint, mountOverlay, unmount } from './overlay-mount.js';
import { KeyedLock } from './keyed-lock.js';
import { makeInitLayer } from './init-layer.js';
import type { Change, Snapshotter, StagedLayer } from './snapshotter.js';

interface ContainerLayerInfo {
  /** Chain IDs of the image's layers, bottom first (empty for an image-less container). */
  chainIds: string[];
  /** Whether the container has its own init layer (mount point stubs) beside its upper dir (made before shared ones). */
  init?: boolean;
  /** Whether it uses the init layer shared by every container of its image (layers/<top>/init). */
  sharedInit?: boolean;
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

function hexOf(chainId: string): string {
  const hex = chainId.replace(/^sha256:/, '');
  if (!/^[a-f0-9]{64}$/.test(hex)) throw invalidParameter(`invalid chain ID ${chainId}`);
  return hex;
}

/**
 * Overlay snapshotter on <root>/overlay: layers/<chainid-hex>/diff (one per chain ID, made
 * by unpacking into a temp dir and renaming, so a present `diff` is always complete),
 * l/<short> symlinks for short lowerdir strings, containers/<id>/{upper,work,layer.json}.
 */
export class OverlaySnapshotter implements Snapshotter {
  readonly dir: string;
  private readonly unpacking = new Map<string, Promise<void>>();
  /** Names of staged layer dirs in use (gc leaves them alone). */
  private readonly staging = new Set<string>();
  private readonly locks = new KeyedLock();
  private readonly opaqueCache = new Map<string, Set<string>>();
  /** Init layers made (or being made) by this process, by path. */
  private readonly initLayers = new Map<string, Promise<void>>();

  constructor(
    root: string,
    private readonly content: ContentReader,
  ) {
    this.dir = join(root, 'overlay');
  }

  layerDir(chainId: string): string {
    return join(this.dir, 'layers', hexOf(chainId), 'diff');
  }

  private shortName(chainId: string): string {
    return join('l', hexOf(chainId).slice(0, 20));
  }

  private containerDir(id: string): string {
    if (!SAFE_ID.test(id)) throw invalidParameter(`invalid container ID ${JSON.stringify(id)}`);
    return join(this.dir, 'containers', id);
  }

  upperDir(containerId: string): string {
    return join(this.containerDir(containerId), 'upper');
  }

  async ensureLayers(image: Image): Promise<void> {
    const diffIds = image.config.rootfs.diff_ids;
    if (diffIds.length !== image.layers.length || diffIds.length !== image.chainIds.length) {
      throw internal(`image ${image.id} has ${diffIds.length} diffIDs for ${image.layers.length} layers`);
    }
    // Bottom to top, one at a time: each is independent on disk, but order keeps failures simple.
    for (let i = 0; i < diffIds.length; i++) {
      await this.ensureLayer(image.chainIds[i], diffIds[i], image.layers[i].digest);
    }
  }

  /** Unpacks one layer unless present; concurrent calls for one chain ID share the work. */
  private ensureLayer(chainId: string, diffId: string, blob: string): Promise<void> {
    const pending = this.unpacking.get(chainId);
    if (pending) return pending;
    const p = this.unpack(chainId, diffId, blob).finally(() => this.unpacking.delete(chainId));
    this.unpacking.set(chainId, p);
    return p;
  }

  private async unpack(chainId: string, diffId: string, blob: string): Promise<void> {
    const final = join(this.dir, 'layers', hexOf(chainId));
    if (await exists(join(final, 'diff'))) return this.ensureShortLink(chainId);
    await mkdir(join(this.dir, 'layers'), { recursive: true, mode: 0o700 });
    const tmp = join(this.dir, 'layers', `.tmp-${hexOf(chainId)}-${randomBytes(4).toString('hex')}`);
    await mkdir(join(tmp, 'diff'), { recursive: true, mode: 0o755 });
    try {
      const res = await applyLayer(join(tmp, 'diff'), this.content.readStream(blob), { whiteouts: 'overlay' });
      if (res.diffId !== diffId) throw invalidParameter(`layer ${blob}: content has diffID ${res.diffId}, image config says ${diffId}`);
      await writeJsonAtomic(join(tmp, 'layer.json'), { chainId, diffId, blob, size: res.contentSize, opaqueDirs: res.opaqueDirs });
      // A leftover from a crash before the rename may sit at `final` without `diff`.
      await rm(final, { recursive: true, force: true });
      await rename(tmp, final);
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
    await this.ensureShortLink(chainId);
  }

  async stageLayer(): Promise<StagedLayer> {
    await mkdir(join(this.dir, 'layers'), { recursive: true, mode: 0o700 });
    const name = `.tmp-staged-${randomBytes(8).toString('hex')}`;
    const tmp = join(this.dir, 'layers', name);
    this.staging.add(name);
    await mkdir(join(tmp, 'diff'), { recursive: true, mode: 0o755 });
    const done = async () => {
      this.staging.delete(name);
      await rm(tmp, { recursive: true, force: true });
    };
    return {
      dir: join(tmp, 'diff'),
      adopt: async ({ chainId, diffId, blob, size }) => {
        if (this.unpacking.has(chainId)) await this.unpacking.get(chainId)!.catch(() => {});
        const final = join(this.dir, 'layers', hexOf(chainId));
        const p = (async () => {
          if (await exists(join(final, 'diff'))) return;
          await writeJsonAtomic(join(tmp, 'layer.json'), { chainId, diffId, blob, size, opaqueDirs: [] });
          await rm(final, { recursive: true, force: true });
          await rename(tmp, final);
        })().finally(() => this.unpacking.delete(chainId));
        this.unpacking.set(chainId, p);
        try {
          await p;
          await this.ensureShortLink(chainId);
        } finally {
          await done();
        }
      },
      discard: done,
    };
  }

  private async ensureShortLink(chainId: string): Promise<void> {
    const link = join(this.dir, this.shortName(chainId));
    const want = join('..', 'layers', hexOf(chainId), 'diff');
    if ((await readlink(link).catch(() => undefined)) === want) return;
    await mkdir(join(this.dir, 'l'), { recursive: true, mode: 0o700 });
    await rm(link, { force: true });
    await symlink(want, link);
  }

  async createContainerLayer(containerId: string, image: Image | undefined): Promise<void> {
    const dir = this.containerDir(containerId);
    if (image) await this.ensureLayers(image);
    const info: ContainerLayerInfo = { chainIds: image?.chainIds ?? [], sharedInit: true };
    await Promise.all([
      mkdir(join(dir, 'upper'), { recursive: true, mode: 0o755 }).then(() => mkdir(join(dir, 'work'), { mode: 0o700 }).catch(ignoreExists)),
      this.ensureInitLayer(info.chainIds),
    ]);
    // layer.json last: its presence means the container layer is complete.
    // Without fsync: a killed daemon leaves the old file or the new one, never a torn one; only
    // a power cut before writeback could lose it, and then the upper dir (never synced) is as lost.
    await writeFileAtomic(join(dir, 'layer.json'), JSON.stringify(info), 0o600, { sync: false });
  }

  /**
   * The init layer of an image: its stubs depend only on the layers below, so all containers
   * of the image share one (read-only, like the layers), made once next to the top layer and
   * removed with it. Made in a temp dir and renamed, so a present one is complete.
   */
  private ensureInitLayer(chainIds: string[]): Promise<void> {
    const path = this.sharedInitDir(chainIds);
    let p = this.initLayers.get(path);
    if (!p) {
      p = (async () => {
        if (await exists(path)) return;
        const tmp = `${dirname(path)}/.init-tmp-${randomBytes(4).toString('hex')}`;
        await mkdir(dirname(path), { recursive: true, mode: 0o700 });
        try {
          await makeInitLayer(tmp, [...chainIds].reverse().map((c) => this.layerDir(c)));
          await rename(tmp, path).catch(async (err: NodeJS.ErrnoException) => {
            if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
          });
        } finally {
          await rm(tmp, { recursive: true, force: true });
        }
      })();
      // Forgotten on failure, so the next create tries again; gc may remove it with its layer.
      p.catch(() => this.initLayers.delete(path));
      this.initLayers.set(path, p);
    }
    return p;
  }

  private sharedInitDir(chainIds: string[]): string {
    const top = chainIds.at(-1);
    return top ? join(this.dir, 'layers', hexOf(top), 'init') : join(this.dir, 'empty-init');
  }

  /** The container's init layer, if it has one. */
  private initDirOf(containerId: string, info: ContainerLayerInfo): string | undefined {
    if (info.sharedInit) return this.sharedInitDir(info.chainIds);
    return info.init ? join(this.containerDir(containerId), 'init') : undefined;
  }

  private async info(containerId: string): Promise<ContainerLayerInfo> {
    try {
      return JSON.parse(await readFile(join(this.containerDir(containerId), 'layer.json'), 'utf8')) as ContainerLayerInfo;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(`no container layer for ${containerId}`);
      throw err;
    }
  }

  /** The container's lower dirs, top first: its init layer, then the image's layers. */
  async lowerDirs(containerId: string): Promise<string[]> {
    const info = await this.info(containerId);
    const dirs = [...info.chainIds].reverse().map((c) => this.layerDir(c));
    const init = this.initDirOf(containerId, info);
    if (init) dirs.unshift(init);
    return dirs.length ? dirs : [await this.emptyDir()];
  }

  /** The lower dir of an image-less container: overlayfs needs at least one. */
  private async emptyDir(): Promise<string> {
    const d = join(this.dir, 'empty');
    await mkdir(d, { recursive: true, mode: 0o755 });
    return d;
  }

  /** Idempotent: a target already mounted is left as is (after a daemon restart, say). */
  mount(containerId: string, target: string): Promise<void> {
    return this.locks.run(containerId, () => this.doMount(containerId, target));
  }

  private async doMount(containerId: string, target: string): Promise<void> {
    const info = await this.info(containerId);
    const { chainIds } = info;
    const dir = this.containerDir(containerId);
    await mkdir(target, { recursive: true, mode: 0o755 });
    if (await isMountPoint(target)) return;
    const top = [...chainIds].reverse();
    for (const c of top) if (!(await exists(this.layerDir(c)))) throw notFound(`layer ${c} of container ${containerId} is not unpacked`);
    const lowers = top.map((c) => this.layerDir(c));
    const shortLowers = top.map((c) => this.shortName(c));
    const init = this.initDirOf(containerId, info);
    if (init) {
      // A gc between create and start may have taken a shared one with its layer: make it again.
      if (info.sharedInit && !(await exists(init))) {
        this.initLayers.delete(init);
        await this.ensureInitLayer(chainIds);
      }
      lowers.unshift(init);
      shortLowers.unshift(relative(this.dir, init));
    }
    if (lowers.length === 0) {
      lowers.push(await this.emptyDir());
      shortLowers.push('empty');
    }
    await mountOverlay(target, { lowers, shortLowers, cwd: this.dir, upper: join(dir, 'upper'), work: join(dir, 'work') });
  }

  unmount(containerId: string, target: string): Promise<void> {
    return this.locks.run(containerId, () => unmount(target));
  }

  removeContainerLayer(containerId: string): Promise<void> {
    const dir = this.containerDir(containerId);
    return this.locks.run(containerId, () => rm(dir, { recursive: true, force: true }));
  }

  async diff(containerId: string): Promise<Change[]> {
    const info = await this.info(containerId);
    const lowers: LowerLayer[] = [];
    const init = this.initDirOf(containerId, info);
    if (init) lowers.push({ dir: init });
    for (const c of [...info.chainIds].reverse()) lowers.push({ dir: this.layerDir(c), opaque: await this.opaqueDirs(c) });
    return overlayChanges(this.upperDir(containerId), lowers);
  }

  /** The opaque dirs a layer holds (recorded when it was unpacked; layers are immutable). */
  private async opaqueDirs(chainId: string): Promise<Set<string>> {
    let set = this.opaqueCache.get(chainId);
    if (!set) {
      const meta = await readFile(join(this.dir, 'layers', hexOf(chainId), 'layer.json'), 'utf8').catch(() => '{}');
      set = new Set((JSON.parse(meta) as { opaqueDirs?: string[] }).opaqueDirs ?? []);
      this.opaqueCache.set(chainId, set);
    }
    return set;
  }

  exportChanges(containerId: string): Readable {
    return exportOverlayLayer(this.upperDir(containerId));
  }

  async containerLayerSize(containerId: string): Promise<number> {
    return upperSize(this.upperDir(containerId));
  }

  /** Removes unpack temp dirs and temp files a crash left behind (call before use). */
  async recover(): Promise<void> {
    const layersDir = join(this.dir, 'layers');
    for (const name of await readdir(layersDir).catch(() => [] as string[])) {
      if (name.startsWith('.tmp-')) await rm(join(layersDir, name), { recursive: true, force: true });
    }
    for (const id of await this.containerLayers()) await removeAtomicTemps(this.containerDir(id));
  }

  /** The containers that have a layer here (complete or not). */
  containerLayers(): Promise<string[]> {
    return readdir(join(this.dir, 'containers')).catch(() => [] as string[]);
  }

  async gc(liveChainIds: Set<string>): Promise<void> {
    const live = new Set([...liveChainIds].map(hexOf));
    // Layers under existing containers stay even when their image is gone (rmi -f).
    for (const c of await this.containerLayers()) {
      const info = await this.info(c).catch(() => undefined);
      for (const chain of info?.chainIds ?? []) live.add(hexOf(chain));
    }
    const layersDir = join(this.dir, 'layers');
    for (const name of await readdir(layersDir).catch(() => [] as string[])) {
      if (live.has(name) || this.unpacking.has(`sha256:${name}`) || this.staging.has(name)) continue;
      if (name.startsWith('.tmp-') && this.unpacking.has(`sha256:${name.slice(5, 69)}`)) continue;
      await rm(join(layersDir, name), { recursive: true, force: true });
    }
    for (const name of await readdir(join(this.dir, 'l')).catch(() => [] as string[])) {
      const link = join(this.dir, 'l', name);
      if (!(await exists(link))) await rm(link, { force: true });
    }
  }
}

function ignoreExists(err: NodeJS.ErrnoException): void {
  if (err.code !== 'EEXIST') throw err;
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}
