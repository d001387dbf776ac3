/**
 * The set of served resources: built-in kinds plus the kinds of established CRDs, each with
 * its ResourceStore. Discovery and OpenAPI are derived from it; `generation` changes
 * whenever the set does (it feeds discovery and OpenAPI hashes).
 */
import { apiVersionOf, type KindDef } from '../apimachinery/kind.js';
import { ResourceStore, type RegistryHooks } from '../apimachinery/resource-store.js';
import type { KObject } from '../apimachinery/object.js';
import type { Store, Watch } from '../storage/store.js';
import { builtinKinds, kindsFromCrd } from '../kinds/index.js';
import { crdKind } from '../kinds/crd.js';

export interface GroupVersions {
  group: string;
  versions: string[];
}

export class ApiRegistry {
  private readonly stores = new Map<string, ResourceStore>();
  private readonly crdKinds = new Map<string, KindDef[]>();
  generation = 1;
  private crdWatch?: Watch;

  constructor(
    readonly store: Store,
    private readonly hooks: RegistryHooks,
  ) {
    for (const k of builtinKinds) this.add(k);
  }

  private add(k: KindDef): void {
    this.stores.set(`${k.group}/${k.version}/${k.plural}`, new ResourceStore(k, this.store, this.hooks));
  }

  lookup(group: string, version: string, resource: string): ResourceStore | undefined {
    return this.stores.get(`${group}/${version}/${resource}`);
  }

  /** The resource store for a kind (apiVersion + kind), e.g. to follow owner references. */
  byKind(apiVersion: string, kind: string): ResourceStore | undefined {
    for (const rs of this.stores.values()) if (rs.kind.kind === kind && apiVersionOf(rs.kind) === apiVersion) return rs;
    return undefined;
  }

  all(): ResourceStore[] {
    return [...this.stores.values()];
  }

  /** Groups in discovery order: core first, then in order of first appearance. */
  groups(): GroupVersions[] {
    const out: GroupVersions[] = [];
    for (const rs of this.stores.values()) {
      let g = out.find((x) => x.group === rs.kind.group);
      if (!g) out.push((g = { group: rs.kind.group, versions: [] }));
      if (!g.versions.includes(rs.kind.version)) g.versions.push(rs.kind.version);
    }
    return out;
  }

  resourcesOf(group: string, version: string): ResourceStore[] {
    return this.all().filter((rs) => rs.kind.group === group && rs.kind.version === version);
  }

  /** Serves the custom resources of `crd` (replacing earlier versions of it). */
  applyCrd(crd: KObject): void {
    this.removeCrd(crd.metadata.name!);
    if (crd.metadata.deletionTimestamp) return;
    const kinds = kindsFromCrd(crd);
    for (const k of kinds) this.add(k);
    this.crdKinds.set(crd.metadata.name!, kinds);
    this.generation++;
  }

  removeCrd(name: string): void {
    const kinds = this.crdKinds.get(name);
    if (!kinds) return;
    for (const k of kinds) this.stores.delete(`${k.group}/${k.version}/${k.plural}`);
    this.crdKinds.delete(name);
    this.generation++;
  }

  /** Loads stored CRDs and follows their changes (also those made by other servers). */
  async startCrdSync(): Promise<void> {
    const rs = this.lookup(crdKind.group, crdKind.version, crdKind.plural)!;
    const list = await rs.store.list(rs.prefix());
    for (const kv of list.items) this.applyCrd(rs.decode(kv.value, kv.modRevision));
    this.crdWatch = await rs.store.watch(rs.prefix(), list.revision, {
      onEvent: (ev) => {
        const crd = rs.decode(ev.value, ev.revision);
        if (ev.type === 'DELETE') this.removeCrd(crd.metadata.name!);
        else this.applyCrd(crd);
      },
    });
  }

  stop(): void {
    this.crdWatch?.cancel();
  }
}
