/**
 * A live view of every stored object's identity and owner references, fed by one watch on
 * the whole registry. The garbage collector asks it who depends on whom.
 */
import type { ApiRegistry } from '../apiserver/api-registry.js';
import type { KObject, OwnerReference } from '../apimachinery/object.js';
import type { ResourceStore } from '../apimachinery/resource-store.js';
import type { Watch, WatchEvent } from '../storage/store.js';

export interface IndexedObject {
  key: string;
  rs: ResourceStore;
  uid: string;
  namespace?: string;
  name: string;
  owners: OwnerReference[];
  deleting: boolean;
  finalizers: string[];
}

/** Entries of objects without owners or finalizers (most) share these: one fewer array per object. */
const NO_OWNERS = Object.freeze([]) as unknown as OwnerReference[];
const NO_FINALIZERS = Object.freeze([]) as unknown as string[];
/** Objects read per page while the index loads. */
const START_PAGE = 1000;

export type IndexListener = (ev: { type: 'PUT' | 'DELETE'; obj: IndexedObject; object: KObject }) => void;

export class ResourceIndex {
  readonly byUid = new Map<string, IndexedObject>();
  private readonly dependents = new Map<string, Set<string>>();
  private readonly byKey = new Map<string, IndexedObject>();
  private watch?: Watch;
  private readonly listeners: IndexListener[] = [];

  constructor(private readonly reg: ApiRegistry) {}

  onChange(l: IndexListener): void {
    this.listeners.push(l);
  }

  /** The resource store a key belongs to (any served version of it). */
  storeFor(key: string): ResourceStore | undefined {
    let best: ResourceStore | undefined;
    for (const rs of this.reg.all()) if (key.startsWith(rs.prefix()) && (!best || rs.prefix().length > best.prefix().length)) best = rs;
    return best;
  }

  async start(): Promise<void> {
    // In pages: the whole registry at once would hold every stored value in memory together.
    let after: string | undefined;
    let revision: number | undefined;
    do {
      const page = await this.reg.store.list('/registry/', { after, limit: START_PAGE, revision });
      revision ??= page.revision;
      for (const kv of page.items) this.apply({ type: 'PUT', key: kv.key, value: kv.value, revision: kv.modRevision }, false);
      after = page.more && page.items.length ? page.items[page.items.length - 1].key : undefined;
    } while (after !== undefined);
    // Stores without snapshots (SQLite) may show later states in later pages: replaying from
    // the first page's revision brings every entry to the latest state either way.
    this.watch = await this.reg.store.watch('/registry/', revision, { onEvent: (ev) => this.apply(ev, true) });
  }

  stop(): void {
    this.watch?.cancel();
  }

  dependentsOf(uid: string): IndexedObject[] {
    return [...(this.dependents.get(uid) ?? [])].map((k) => this.byKey.get(k)).filter((x): x is IndexedObject => !!x);
  }

  private apply(ev: WatchEvent, notify: boolean): void {
    const rs = this.storeFor(ev.key);
    if (!rs) return;
    let object: KObject;
    try {
      object = rs.decode(ev.value, ev.revision);
    } catch {
      return;
    }
    const prev = this.byKey.get(ev.key);
    if (prev) {
      this.byUid.delete(prev.uid);
      for (const o of prev.owners) this.dependents.get(o.uid)?.delete(ev.key);
      this.byKey.delete(ev.key);
    }
    const m = object.metadata;
    const entry: IndexedObject = { key: ev.key, rs, uid: m.uid ?? '', namespace: m.namespace, name: m.name ?? '', owners: m.ownerReferences ?? NO_OWNERS, deleting: !!m.deletionTimestamp, finalizers: m.finalizers ?? NO_FINALIZERS };
    if (ev.type === 'PUT') {
      this.byKey.set(ev.key, entry);
      this.byUid.set(entry.uid, entry);
      for (const o of entry.owners) {
        let set = this.dependents.get(o.uid);
        if (!set) this.dependents.set(o.uid, (set = new Set()));
        set.add(ev.key);
      }
    }
    if (notify) for (const l of this.listeners) l({ type: ev.type, obj: entry, object });
  }
}
