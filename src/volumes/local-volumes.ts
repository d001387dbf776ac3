import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { removeAtomicTemps, writeJsonAtomic } from '../common/atomic-file.js';
import { conflict, internal, invalidParameter, notFound } from '../common/errors.js';
import { newId } from '../common/ids.js';
import { KeyedMutex } from '../common/keyed-mutex.js';
import type { EventBus } from '../events/event-bus.js';
import type { Volume, VolumeCreate, VolumeService } from './volume-service.js';

const run = promisify(execFile);
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const LOCAL_OPTS = new Set(['type', 'device', 'o', 'size']);

interface VolumeMeta {
  Name: string;
  CreatedAt: string;
  Labels: Record<string, string>;
  Options: Record<string, string>;
  /** Docker marks volumes it made for an image's VOLUME or an anonymous -v as anonymous. */
  anonymous: boolean;
}

async function dirSize(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += await dirSize(p);
    else if (e.isFile()) total += (await stat(p).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

/** The `local` volume driver: <root>/<name>/_data plus an atomically written volume.json. */
export class LocalVolumes implements VolumeService {
  private readonly metas = new Map<string, VolumeMeta>();
  private readonly locks = new KeyedMutex();
  /** container IDs holding a device-backed volume mounted. */
  private readonly holders = new Map<string, Set<string>>();
  private usage: (name: string) => string[] = () => [];

  private constructor(private readonly root: string, private readonly events?: EventBus) {}

  static async open(root: string, events?: EventBus): Promise<LocalVolumes> {
    const v = new LocalVolumes(root, events);
    await mkdir(root, { recursive: true, mode: 0o701 });
    for (const name of await readdir(root)) {
      try {
        await removeAtomicTemps(join(root, name));
        v.metas.set(name, JSON.parse(await readFile(join(root, name, 'volume.json'), 'utf8')));
      } catch {
        // A create that crashed before its metadata landed: nothing refers to it yet.
        await rm(join(root, name), { recursive: true, force: true });
      }
    }
    return v;
  }

  setUsage(usage: (name: string) => string[]): void {
    this.usage = usage;
  }

  private dataDir(name: string): string {
    return join(this.root, name, '_data');
  }

  private view(m: VolumeMeta, withUsage = false): Volume {
    return {
      CreatedAt: m.CreatedAt,
      Driver: 'local',
      Labels: Object.keys(m.Labels).length ? m.Labels : null,
      Mountpoint: this.dataDir(m.Name),
      Name: m.Name,
      Options: Object.keys(m.Options).length ? m.Options : null,
      Scope: 'local',
      ...(withUsage ? { UsageData: { Size: -1, RefCount: this.usage(m.Name).length } } : {}),
    };
  }

  private get(name: string): VolumeMeta {
    const m = this.metas.get(name);
    if (!m) throw notFound(`get ${name}: no such volume`);
    return m;
  }

  async create(req: VolumeCreate & { anonymous?: boolean }): Promise<Volume> {
    const driver = req.Driver || 'local';
    if (driver !== 'local') throw notFound(`plugin "${driver}" not found`);
    const name = req.Name || newId();
    if (!NAME_RE.test(name)) throw invalidParameter(`create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`);
    const opts = req.DriverOpts ?? {};
    for (const k of Object.keys(opts)) if (!LOCAL_OPTS.has(k)) throw invalidParameter(`create ${name}: invalid option key: "${k}"`);
    if ((opts.type || opts.device) && !(opts.type && opts.device) && opts.type !== 'tmpfs') throw invalidParameter(`create ${name}: missing required option: "device"`);
    return this.locks.run(name, async () => {
      const existing = this.metas.get(name);
      if (existing) return this.view(existing); // create is idempotent, as with dockerd
      const meta: VolumeMeta = { Name: name, CreatedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), Labels: req.Labels ?? {}, Options: opts, anonymous: Boolean(req.anonymous) };
      await mkdir(this.dataDir(name), { recursive: true, mode: 0o755 });
      await writeJsonAtomic(join(this.root, name, 'volume.json'), meta);
      this.metas.set(name, meta);
      this.events?.publish('volume', 'create', name, { driver: 'local' });
      return this.view(meta);
    });
  }

  async inspect(name: string): Promise<Volume> {
    return this.view(this.get(name));
  }

  isAnonymous(name: string): boolean {
    return this.metas.get(name)?.anonymous ?? false;
  }

  async list(filters: Record<string, string[]> = {}): Promise<{ Volumes: Volume[]; Warnings: string[] }> {
    for (const k of Object.keys(filters)) {
      if (!['dangling', 'driver', 'label', 'name'].includes(k)) throw invalidParameter(`invalid filter '${k}'`);
    }
    const vols = [...this.metas.values()].filter((m) => {
      if (filters.name?.length && !filters.name.some((n) => m.Name.includes(n))) return false;
      if (filters.driver?.length && !filters.driver.includes('local')) return false;
      if (filters.dangling?.length) {
        const dangling = this.usage(m.Name).length === 0;
        if (!filters.dangling.some((v) => (v === 'true' || v === '1') === dangling)) return false;
      }
      if (filters.label?.length && !filters.label.every((l) => {
        const i = l.indexOf('=');
        return i < 0 ? m.Labels[l] !== undefined : m.Labels[l.slice(0, i)] === l.slice(i + 1);
      })) return false;
      return true;
    });
    return { Volumes: vols.map((m) => this.view(m)), Warnings: [] };
  }

  async remove(name: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.locks.run(name, async () => {
      const m = this.metas.get(name);
      if (!m) {
        if (opts.force) return;
        throw notFound(`get ${name}: no such volume`);
      }
      const users = this.usage(name);
      if (users.length) throw conflict(`remove ${name}: volume is in use - [${users.join(', ')}]`);
      await this.unmountDevice(name).catch(() => {});
      // Forget first, then delete: a crash in between leaves a folder that open() sweeps.
      await rm(join(this.root, name, 'volume.json'), { force: true });
      this.metas.delete(name);
      await rm(join(this.root, name), { recursive: true, force: true });
      this.events?.publish('volume', 'destroy', name, { driver: 'local' });
    });
  }

  async prune(filters: Record<string, string[]> = {}): Promise<{ VolumesDeleted: string[] | null; SpaceReclaimed: number }> {
    const all = filters.all?.some((v) => v === 'true' || v === '1') ?? false;
    const labels = filters.label ?? [];
    const deleted: string[] = [];
    let space = 0;
    for (const m of [...this.metas.values()]) {
      if (this.usage(m.Name).length) continue;
      if (!all && !m.anonymous) continue;
      if (labels.length && !labels.every((l) => {
        const i = l.indexOf('=');
        return i < 0 ? m.Labels[l] !== undefined : m.Labels[l.slice(0, i)] === l.slice(i + 1);
      })) continue;
      const size = await dirSize(this.dataDir(m.Name));
      try {
        await this.remove(m.Name);
        deleted.push(m.Name);
        space += size;
      } catch {
        // Became used meanwhile.
      }
    }
    return { VolumesDeleted: deleted.length ? deleted : null, SpaceReclaimed: space };
  }

  async acquire(name: string, containerId: string): Promise<string> {
    const m = this.get(name);
    if (m.Options.type || m.Options.device) {
      await this.locks.run(name, async () => {
        const holders = this.holders.get(name) ?? new Set<string>();
        if (holders.size === 0 && !(await this.isMounted(this.dataDir(name)))) {
          const args = ['-t', m.Options.type || 'none'];
          if (m.Options.o) args.push('-o', m.Options.o);
          args.push(m.Options.device || m.Options.type, this.dataDir(name));
          try {
            await run('mount', args);
          } catch (err) {
            throw internal(`error while mounting volume '${this.dataDir(name)}': ${(err as { stderr?: string }).stderr?.trim() || String(err)}`);
          }
        }
        holders.add(containerId);
        this.holders.set(name, holders);
      });
    }
    return this.dataDir(name);
  }

  async release(name: string, containerId: string): Promise<void> {
    const holders = this.holders.get(name);
    if (!holders) return;
    holders.delete(containerId);
    if (holders.size === 0) await this.locks.run(name, () => this.unmountDevice(name));
  }

  private async unmountDevice(name: string): Promise<void> {
    this.holders.delete(name);
    if (await this.isMounted(this.dataDir(name))) await run('umount', [this.dataDir(name)]);
  }

  private async isMounted(path: string): Promise<boolean> {
    const text = await readFile('/proc/self/mountinfo', 'utf8');
    return text.split('\n').some((l) => l.split(' ')[4] === path);
  }
}
