/**
 * Namespace deletion: a namespace marked for deletion (phase Terminating, finalizer
 * "kubernetes" in spec.finalizers) has every object in it deleted; when none is left the
 * finalizer is removed and the namespace itself goes. Pods bound to a node that does not
 * exist are removed at once (no agent will ever stop them), as Kubernetes' pod GC does.
 */
import type { WriteContext } from '../apimachinery/admission.js';
import { deepClone } from '../apimachinery/object.js';
import { ApiError } from '../apimachinery/status.js';
import type { ApiRegistry } from '../apiserver/api-registry.js';
import { KeyQueue } from './key-queue.js';
import type { ResourceIndex } from './resource-index.js';

const ctx = (): WriteContext => ({ dryRun: false, fieldManager: 'namespace-controller', fieldValidation: 'Ignore', warnings: [] });

export class NamespaceController {
  private readonly queue: KeyQueue;

  constructor(
    private readonly reg: ApiRegistry,
    private readonly index: ResourceIndex,
  ) {
    this.queue = new KeyQueue((name) => this.reconcile(name));
    index.onChange(({ type, obj }) => {
      if (obj.rs.kind.kind === 'Namespace' && type === 'PUT' && obj.deleting) this.queue.add(obj.name);
      else if (type === 'DELETE' && obj.namespace && this.isTerminating(obj.namespace)) this.queue.add(obj.namespace);
    });
  }

  private isTerminating(ns: string): boolean {
    for (const o of this.index.byUid.values()) if (o.rs.kind.kind === 'Namespace' && o.name === ns) return o.deleting;
    return false;
  }

  resync(): void {
    for (const o of this.index.byUid.values()) if (o.rs.kind.kind === 'Namespace' && o.deleting) this.queue.add(o.name);
  }

  stop(): Promise<void> {
    return this.queue.stop();
  }

  private async reconcile(name: string): Promise<void> {
    const nsStore = this.reg.lookup('', 'v1', 'namespaces')!;
    const ns = await nsStore.tryGet(undefined, name);
    if (!ns || !ns.metadata.deletionTimestamp) return;
    const seen = new Set<string>();
    let remaining = 0;
    for (const rs of this.reg.all()) {
      if (!rs.kind.namespaced || seen.has(rs.prefix())) continue;
      seen.add(rs.prefix());
      const list = await rs.store.list(rs.prefix(name));
      for (const kv of list.items) {
        remaining++;
        const o = rs.decode(kv.value, kv.modRevision);
        const nodeName = (o.spec as { nodeName?: string } | undefined)?.nodeName;
        const orphanedPod = rs.kind.kind === 'Pod' && nodeName && !(await this.reg.lookup('', 'v1', 'nodes')!.tryGet(undefined, nodeName));
        if (o.metadata.deletionTimestamp && !orphanedPod) continue;
        await rs.delete(name, o.metadata.name!, { preconditions: { uid: o.metadata.uid }, propagationPolicy: 'Background', gracePeriodSeconds: orphanedPod ? 0 : undefined }).catch((err) => {
          if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err;
        });
      }
    }
    if (remaining > 0) {
      // Objects waiting for finalizers or grace periods: look again shortly.
      this.queue.addAfter(name, 500);
      const left = await this.countLeft(name);
      if (left > 0) return;
    }
    const fresh = await nsStore.tryGet(undefined, name);
    if (!fresh) return;
    const next = deepClone(fresh);
    (next.spec as { finalizers?: string[] }).finalizers = ((next.spec as { finalizers?: string[] }).finalizers ?? []).filter((f) => f !== 'kubernetes');
    await nsStore.write(fresh, next, ctx());
  }

  private async countLeft(name: string): Promise<number> {
    let n = 0;
    const seen = new Set<string>();
    for (const rs of this.reg.all()) {
      if (!rs.kind.namespaced || seen.has(rs.prefix())) continue;
      seen.add(rs.prefix());
      n += await rs.store.count(rs.prefix(name));
    }
    return n;
  }
}
