import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { removeAtomicTemps, writeFileAtomic } from '../common/atomic-file.js';
import { conflict, invalidParameter, notFound } from '../common/errors.js';
import type { ContainerRecord } from './container-record.js';

const run = promisify(execFile);

async function lazyUnmount(path: string): Promise<void> {
  const mounted = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').some((l) => l.split(' ')[4] === path);
  if (mounted) await run('umount', ['-l', path]).catch(() => {});
}

const NAME_RE = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/**
 * The set of containers: an in-memory index over one folder per container
 * (<root>/<id>/config.json). Lookups resolve IDs, unambiguous ID prefixes and names as
 * dockerd does (an exact ID or name wins over a prefix).
 */
export class ContainerStore {
  private readonly byId = new Map<string, ContainerRecord>();
  private readonly byName = new Map<string, string>();

  constructor(readonly root: string) {}

  dir(id: string): string {
    return join(this.root, id);
  }

  async load(): Promise<ContainerRecord[]> {
    await mkdir(this.root, { recursive: true });
    for (const id of await readdir(this.root)) {
      try {
        await removeAtomicTemps(join(this.root, id));
        const rec = JSON.parse(await readFile(join(this.root, id, 'config.json'), 'utf8')) as ContainerRecord;
        this.index(rec);
      } catch {
        // A folder without a complete record is a create that crashed before it was saved (or a
        // removal that had deleted the record): drop it, unmounting a rootfs left mounted first.
        // Whatever cannot go now must not keep the daemon from starting.
        await lazyUnmount(join(this.root, id, 'rootfs'));
        await rm(join(this.root, id), { recursive: true, force: true }).catch(() => {});
      }
    }
    return [...this.byId.values()];
  }

  all(): ContainerRecord[] {
    return [...this.byId.values()];
  }

  /** Reserves the name at once, so two racing creates cannot both take it. */
  reserveName(name: string, id: string): void {
    if (!NAME_RE.test(name)) throw invalidParameter(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    const bare = name.replace(/^\//, '');
    const owner = this.byName.get(bare);
    if (owner !== undefined && owner !== id) {
      throw conflict(`Conflict. The container name "/${bare}" is already in use by container "${owner}". You have to remove (or rename) that container to be able to reuse that name.`);
    }
    this.byName.set(bare, id);
  }

  releaseName(name: string, id: string): void {
    if (this.byName.get(name) === id) this.byName.delete(name);
  }

  hasName(name: string): boolean {
    return this.byName.has(name);
  }

  /**
   * Saves by rename, which a daemon crash cannot tear. `durable` also fsyncs (for a new
   * record); state changes skip it: the rename over an existing file is ordered after its
   * data on the filesystems we run on, and after a power loss restore reconciles state anyway.
   */
  async save(rec: ContainerRecord, durable = false): Promise<void> {
    this.index(rec);
    await writeFileAtomic(join(this.root, rec.id, 'config.json'), JSON.stringify(rec), 0o600, { sync: durable });
  }

  /** Takes a container out of lookups (its folder stays until `delete`). */
  unindex(rec: ContainerRecord): void {
    this.byId.delete(rec.id);
    this.releaseName(rec.name, rec.id);
  }

  async delete(rec: ContainerRecord): Promise<void> {
    await rm(join(this.root, rec.id), { recursive: true, force: true });
    this.byId.delete(rec.id);
    this.releaseName(rec.name, rec.id);
  }

  find(ref: string): ContainerRecord | undefined {
    const bare = ref.replace(/^\//, '');
    const exact = this.byId.get(bare);
    if (exact) return exact;
    const named = this.byName.get(bare);
    if (named) return this.byId.get(named);
    if (!/^[0-9a-f]+$/.test(bare)) return undefined;
    const matches = [...this.byId.keys()].filter((id) => id.startsWith(bare));
    if (matches.length > 1) throw invalidParameter(`multiple IDs found with provided prefix: ${bare}`);
    return matches.length === 1 ? this.byId.get(matches[0]) : undefined;
  }

  get(ref: string): ContainerRecord {
    const rec = this.find(ref);
    if (!rec) throw notFound(`No such container: ${ref}`);
    return rec;
  }

  private index(rec: ContainerRecord): void {
    this.byId.set(rec.id, rec);
    this.byName.set(rec.name, rec.id);
  }
}
