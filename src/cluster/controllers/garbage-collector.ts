/**
 * Garbage collection through ownerReferences, as Kubernetes does it:
 * - background: once every owner of an object is gone, the object is deleted;
 * - foreground: an owner marked with the `foregroundDeletion` finalizer has its dependents
 *   deleted first, then the finalizer is removed and the owner goes;
 * - orphan: an owner with the `orphan` finalizer has its references removed from its
 *   dependents, then the finalizer is removed.
 * Work is keyed by uid and idempotent, so several servers may run it at once.
 */
import type { WriteContext } from '../apimachinery/admission.js';
import { deepClone } from '../apimachinery/object.js';
import { ApiError } from '../apimachinery/status.js';
import { KeyQueue } from './key-queue.js';
import type { IndexedObject, ResourceIndex } from './resource-index.js';

const ctx = (): WriteContext => ({ dryRun: false, fieldManager: 'garbage-collector', fieldValidation: 'Ignore', warnings: [] });
const ignoreGone = (err: unknown): void => {
  if (err instanceof ApiError && (err.code === 404 || err.code === 409)) return;
  throw err;
};

export class GarbageCollector {
  private readonly queue: KeyQueue;

  constructor(private readonly index: ResourceIndex) {
    this.queue = new KeyQueue((uid) => this.reconcile(uid));
    index.onChange(({ type, obj }) => {
      if (type === 'DELETE') for (const d of index.dependentsOf(obj.uid)) this.queue.add(d.uid);
      else {
        if (obj.deleting && (obj.finalizers.includes('foregroundDeletion') || obj.finalizers.includes('orphan'))) this.queue.add(obj.uid);
        if (obj.owners.length) this.queue.add(obj.uid);
      }
      // A dependent deleted or released may unblock its foreground owner.
      for (const o of obj.owners) if (index.byUid.get(o.uid)?.deleting) this.queue.add(o.uid);
    });
  }

  /** Queues every object once (after start, to catch work left by a crash). */
  resync(): void {
    for (const o of this.index.byUid.values()) if (o.owners.length || o.deleting) this.queue.add(o.uid);
  }

  stop(): Promise<void> {
    return this.queue.stop();
  }

  private async reconcile(uid: string): Promise<void> {
    const obj = this.index.byUid.get(uid);
    if (!obj) return;
    if (obj.deleting && obj.finalizers.includes('orphan')) return this.orphanDependents(obj);
    if (obj.deleting && obj.finalizers.includes('foregroundDeletion')) return this.deleteDependentsFirst(obj);
    if (!obj.deleting && obj.owners.length && obj.owners.every((o) => this.ownerGone(o.uid))) {
      // An owner deleted in the foreground propagates foreground deletion to its dependents.
      const foreground = obj.owners.some((o) => this.index.byUid.get(o.uid)?.finalizers.includes('foregroundDeletion'));
      await obj.rs.delete(obj.namespace, obj.name, { preconditions: { uid: obj.uid }, propagationPolicy: foreground ? 'Foreground' : 'Background' }).catch(ignoreGone);
    }
  }

  /** Gone, or itself being deleted in the foreground (its dependents must go first). */
  private ownerGone(uid: string): boolean {
    const owner = this.index.byUid.get(uid);
    return !owner || (owner.deleting && owner.finalizers.includes('foregroundDeletion'));
  }

  private async deleteDependentsFirst(owner: IndexedObject): Promise<void> {
    const deps = this.index.dependentsOf(owner.uid);
    for (const d of deps) if (!d.deleting) await d.rs.delete(d.namespace, d.name, { preconditions: { uid: d.uid }, propagationPolicy: 'Foreground' }).catch(ignoreGone);
    if (this.index.dependentsOf(owner.uid).length === 0) await this.removeFinalizer(owner, 'foregroundDeletion');
  }

  private async orphanDependents(owner: IndexedObject): Promise<void> {
    for (const d of this.index.dependentsOf(owner.uid)) {
      const cur = await d.rs.tryGet(d.namespace, d.name);
      if (!cur || cur.metadata.uid !== d.uid) continue;
      const next = deepClone(cur);
      next.metadata.ownerReferences = (next.metadata.ownerReferences ?? []).filter((r) => r.uid !== owner.uid);
      if (next.metadata.ownerReferences.length === 0) delete next.metadata.ownerReferences;
      await d.rs.write(cur, next, ctx()).catch(ignoreGone);
    }
    await this.removeFinalizer(owner, 'orphan');
  }

  private async removeFinalizer(o: IndexedObject, finalizer: string): Promise<void> {
    const cur = await o.rs.tryGet(o.namespace, o.name);
    if (!cur || cur.metadata.uid !== o.uid || !cur.metadata.finalizers?.includes(finalizer)) return;
    const next = deepClone(cur);
    next.metadata.finalizers = next.metadata.finalizers!.filter((f) => f !== finalizer);
    if (next.metadata.finalizers.length === 0) delete next.metadata.finalizers;
    await o.rs.write(cur, next, ctx()).catch(ignoreGone);
  }
}
