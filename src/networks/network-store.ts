import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { removeAtomicTemps, writeFileAtomic, writeJsonAtomic } from '../common/atomic-file.js';
import type { AttachmentRecord, ConnectionChanges, NetworkRecord } from './types.js';

/**
 * The networking area's state on disk, cached in memory:
 *   <root>/networks/<id>.json     one network each
 *   <root>/attachments/<cid>.json what one running container holds (endpoints = address leases, ports)
 *   <root>/connections/<cid>.json network connect/disconnect done while the container was stopped
 * Each file is replaced atomically, so a crash leaves the old or the new record, never a torn one.
 */
export class NetworkStore {
  readonly networks = new Map<string, NetworkRecord>();
  readonly attachments = new Map<string, AttachmentRecord>();
  readonly connections = new Map<string, ConnectionChanges>();

  private constructor(private readonly root: string) {}

  static async open(root: string): Promise<NetworkStore> {
    const s = new NetworkStore(root);
    for (const n of await readAll<NetworkRecord>(join(root, 'networks'))) s.networks.set(n.id, n);
    for (const a of await readAll<AttachmentRecord>(join(root, 'attachments'))) s.attachments.set(a.containerId, a);
    for (const c of await readAll<ConnectionChanges>(join(root, 'connections'))) s.connections.set(c.containerId, c);
    return s;
  }

  async putNetwork(n: NetworkRecord): Promise<void> {
    await writeJsonAtomic(join(this.root, 'networks', `${n.id}.json`), n);
    this.networks.set(n.id, n);
  }

  async deleteNetwork(id: string): Promise<void> {
    await unlink(join(this.root, 'networks', `${id}.json`)).catch(ignoreMissing);
    this.networks.delete(id);
  }

  /**
   * Not fsync'd: an attachment guards kernel objects (namespaces, veths, rules) that a host
   * crash takes away too, and a daemon crash leaves the page cache intact. Every container
   * start writes one, and two fsyncs cost more than the rest of the record's work.
   */
  async putAttachment(a: AttachmentRecord): Promise<void> {
    await writeFileAtomic(join(this.root, 'attachments', `${a.containerId}.json`), JSON.stringify(a), 0o600, { sync: false });
    this.attachments.set(a.containerId, a);
  }

  async deleteAttachment(containerId: string): Promise<void> {
    await unlink(join(this.root, 'attachments', `${containerId}.json`)).catch(ignoreMissing);
    this.attachments.delete(containerId);
  }

  async putConnections(c: ConnectionChanges): Promise<void> {
    await writeJsonAtomic(join(this.root, 'connections', `${c.containerId}.json`), c);
    this.connections.set(c.containerId, c);
  }

  async deleteConnections(containerId: string): Promise<void> {
    await unlink(join(this.root, 'connections', `${containerId}.json`)).catch(ignoreMissing);
    this.connections.delete(containerId);
  }

  /** Endpoints on one network, with the container each belongs to. */
  endpointsOn(networkId: string): Array<{ attachment: AttachmentRecord; endpoint: AttachmentRecord['endpoints'][number] }> {
    const out = [];
    for (const a of this.attachments.values()) {
      for (const e of a.endpoints) if (e.networkId === networkId) out.push({ attachment: a, endpoint: e });
    }
    return out;
  }
}

async function readAll<T>(dir: string): Promise<T[]> {
  await mkdir(dir, { recursive: true });
  const out: T[] = [];
  const names = await readdir(dir);
  await removeAtomicTemps(dir, names);
  for (const f of names) {
    if (!f.endsWith('.json') || f.startsWith('.')) continue;
    try {
      out.push(JSON.parse(await readFile(join(dir, f), 'utf8')) as T);
    } catch {
      // A record that cannot be read is dropped; reconcile then removes what it owned in the kernel.
    }
  }
  return out;
}

function ignoreMissing(err: NodeJS.ErrnoException): void {
  if (err.code !== 'ENOENT') throw err;
}
