/**
 * The generic registry: one instance per resource serves create, get, list, update, patch,
 * delete and deletecollection for any kind, on any Store. Kinds only contribute a KindDef.
 * resourceVersion is the store revision of the object's last write.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { admit, checkTypeMeta, type WriteContext } from './admission.js';
import { apiVersionOf, type KindDef } from './kind.js';
import { recordUpdate } from './managed-fields.js';
import { deepClone, deepEqual, isPlainObject, nowTimestamp, type KObject } from './object.js';
import { alreadyExists, badRequest, conflict, invalid, notFound, staleObject, type GroupResource } from './status.js';
import { KeyExistsError, KeyNotFoundError, RevisionMismatchError, type Store } from '../storage/store.js';

export interface DeleteOptions {
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface DeleteResult {
  object: KObject;
  /** false: the object still exists, waiting for finalizers or its grace period. */
  deleted: boolean;
}

/** Hooks the server adds: namespace existence, post-write notifications. */
export interface RegistryHooks {
  checkNamespaceWritable?(namespace: string): Promise<void>;
}

export class ResourceStore {
  readonly gr: GroupResource;
  private readonly base: string;

  constructor(
    readonly kind: KindDef,
    readonly store: Store,
    private readonly hooks: RegistryHooks = {},
  ) {
    this.gr = { group: kind.group, resource: kind.plural };
    this.base = `/registry/${kind.group || 'core'}/${kind.plural}/`;
  }

  /** Key prefix for one namespace, or for all objects of this resource. */
  prefix(namespace?: string): string {
    return this.kind.namespaced && namespace ? `${this.base}${namespace}/` : this.base;
  }

  key(namespace: string | undefined, name: string): string {
    return this.kind.namespaced ? `${this.prefix()}${namespace}/${name}` : `${this.prefix()}${name}`;
  }

  decode(value: string, revision: number): KObject {
    const o = JSON.parse(value) as KObject;
    o.apiVersion = apiVersionOf(this.kind);
    o.kind = this.kind.kind;
    o.metadata.resourceVersion = String(revision);
    return o;
  }

  /** Stored form: apiVersion, kind, metadata first (rawListItem relies on it), no resourceVersion. */
  private encode(o: KObject): string {
    const { resourceVersion: _rv, selfLink: _sl, ...meta } = o.metadata;
    const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = o;
    return JSON.stringify({ apiVersion: apiVersionOf(this.kind), kind: this.kind.kind, metadata: meta, ...rest });
  }

  /**
   * The JSON text of a stored object as served, without parsing it: the served apiVersion
   * and the resourceVersion are spliced into the stored text. Large lists use this.
   */
  rawListItem(value: string, revision: number): string {
    const m = STORED_PREFIX.exec(value.slice(0, 512));
    if (!m) return JSON.stringify(this.decode(value, revision));
    const rest = value.slice(m[0].length);
    const sep = rest.startsWith('}') ? '' : ',';
    return `{"apiVersion":${JSON.stringify(apiVersionOf(this.kind))},"kind":${JSON.stringify(this.kind.kind)},"metadata":{"resourceVersion":"${revision}"${sep}${rest}`;
  }

  async get(namespace: string | undefined, name: string): Promise<KObject> {
    const kv = await this.store.get(this.key(namespace, name));
    if (!kv) throw notFound(this.gr, name);
    return this.decode(kv.value, kv.modRevision);
  }

  async tryGet(namespace: string | undefined, name: string): Promise<KObject | undefined> {
    const kv = await this.store.get(this.key(namespace, name));
    return kv ? this.decode(kv.value, kv.modRevision) : undefined;
  }

  /** Applies URL namespace/name to a body, rejecting mismatches as Kubernetes does. */
  private placeIn(obj: KObject, namespace: string | undefined, name?: string): void {
    if (this.kind.namespaced) {
      if (obj.metadata.namespace && namespace && obj.metadata.namespace !== namespace)
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      obj.metadata.namespace = namespace ?? obj.metadata.namespace;
    } else delete obj.metadata.namespace;
    if (name !== undefined && obj.metadata.name !== undefined && obj.metadata.name !== name)
      throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    if (name !== undefined) obj.metadata.name = name;
  }

  async create(namespace: string | undefined, body: unknown, ctx: WriteContext, opts: { prepared?: boolean } = {}): Promise<KObject> {
    const obj = opts.prepared ? (body as KObject) : checkTypeMeta(this.kind, deepClone(body));
    this.placeIn(obj, namespace);
    const m = obj.metadata;
    if (!m.name && m.generateName) m.name = `${m.generateName}${randomBytes(4).toString('hex').replace(/[^a-z0-9]/g, 'x').slice(0, 5)}`;
    if (this.kind.namespaced && namespace) await this.hooks.checkNamespaceWritable?.(namespace);
    delete obj.status;
    this.kind.prepareForCreate?.(obj);
    admit(this.kind, obj, undefined, ctx);
    m.uid = randomUUID();
    m.creationTimestamp = nowTimestamp();
    if (this.kind.schema.properties?.spec) m.generation = 1;
    else delete m.generation;
    delete m.deletionTimestamp;
    delete m.deletionGracePeriodSeconds;
    delete m.resourceVersion;
    if (!opts.prepared) recordUpdate(undefined, obj, this.kind.schema, { manager: ctx.fieldManager, apiVersion: apiVersionOf(this.kind) });
    if (ctx.dryRun) return obj;
    try {
      const rev = await this.store.create(this.key(namespace, m.name!), this.encode(obj));
      m.resourceVersion = String(rev);
      return obj;
    } catch (err) {
      if (err instanceof KeyExistsError) throw this.alreadyExists(m.name!);
      throw err;
    }
  }

  private alreadyExists(name: string): Error {
    return alreadyExists(this.gr, name);
  }

  /**
   * Stores `next` as the new state of an existing object. `subresource` "status" changes
   * only status; the main resource keeps status when the kind has a status subresource.
   * Returns the stored object (or the final state, when the update completed a deletion).
   */
  /** `prepared`: the body's type meta and managed fields are already settled (server-side apply). */
  async update(namespace: string | undefined, name: string, body: unknown, ctx: WriteContext, opts: { subresource?: string; prepared?: boolean; current?: KObject } = {}): Promise<KObject> {
    const next = opts.prepared ? (body as KObject) : checkTypeMeta(this.kind, deepClone(body));
    this.placeIn(next, namespace, name);
    const cur = opts.current ?? (await this.get(namespace, name));
    const wantRV = next.metadata.resourceVersion;
    if (wantRV && wantRV !== cur.metadata.resourceVersion) throw staleObject(this.gr, name);
    if (wantRV === undefined && !opts.prepared && this.requiresResourceVersion()) throw invalidMissingRV(this.kind, name);
    const result = this.mergeForUpdate(cur, next, opts.subresource);
    if (opts.subresource !== 'status') this.kind.prepareForUpdate?.(result, cur);
    admit(this.kind, result, cur, ctx);
    if (!opts.prepared) recordUpdate(cur, result, this.kind.schema, { manager: ctx.fieldManager, apiVersion: apiVersionOf(this.kind), subresource: opts.subresource });
    if (specOf(result) !== specOf(cur) && cur.metadata.generation !== undefined) result.metadata.generation = (cur.metadata.generation ?? 1) + 1;
    return this.write(cur, result, ctx);
  }

  /** Kubernetes lets most kinds update without a resourceVersion (last write wins). */
  private requiresResourceVersion(): boolean {
    return false;
  }

  private mergeForUpdate(cur: KObject, next: KObject, subresource?: string): KObject {
    let result: KObject;
    if (subresource === 'status') {
      result = deepClone(cur);
      if (next.status === undefined) delete result.status;
      else result.status = next.status;
    } else {
      result = next;
      if (this.kind.status) {
        if (cur.status === undefined) delete result.status;
        else result.status = deepClone(cur.status);
      }
    }
    const m = result.metadata;
    const c = cur.metadata;
    m.uid = c.uid;
    m.creationTimestamp = c.creationTimestamp;
    m.generation = c.generation;
    m.namespace = c.namespace;
    if (c.deletionTimestamp) {
      m.deletionTimestamp = c.deletionTimestamp;
      m.deletionGracePeriodSeconds = c.deletionGracePeriodSeconds;
    } else {
      delete m.deletionTimestamp;
      delete m.deletionGracePeriodSeconds;
    }
    if (m.managedFields === undefined && c.managedFields) m.managedFields = c.managedFields;
    return result;
  }

  /** Writes `next` over `cur` (compare-and-swap on cur's revision); finishes deletions. */
  async write(cur: KObject, next: KObject, ctx: { dryRun: boolean }): Promise<KObject> {
    const key = this.key(cur.metadata.namespace, cur.metadata.name!);
    const rev = Number(cur.metadata.resourceVersion);
    if (next.metadata.deletionTimestamp && pendingFinalizers(next).length === 0 && !((next.metadata.deletionGracePeriodSeconds ?? 0) > 0)) {
      if (ctx.dryRun) return next;
      try {
        const d = await this.store.delete(key, rev);
        next.metadata.resourceVersion = String(d.revision);
        return next;
      } catch (err) {
        throw this.mapWriteError(err, cur.metadata.name!);
      }
    }
    if (unchanged(cur, next)) return cur;
    if (ctx.dryRun) return next;
    try {
      const newRev = await this.store.update(key, this.encode(next), rev);
      next.metadata.resourceVersion = String(newRev);
      return next;
    } catch (err) {
      throw this.mapWriteError(err, cur.metadata.name!);
    }
  }

  private mapWriteError(err: unknown, name: string): unknown {
    if (err instanceof RevisionMismatchError) return staleObject(this.gr, name);
    if (err instanceof KeyNotFoundError) return notFound(this.gr, name);
    return err;
  }

  async delete(namespace: string | undefined, name: string, opts: DeleteOptions): Promise<DeleteResult> {
    const cur = await this.get(namespace, name);
    const pre = opts.preconditions ?? {};
    if (pre.uid && pre.uid !== cur.metadata.uid)
      throw conflict(this.gr, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${cur.metadata.uid}`);
    if (pre.resourceVersion && pre.resourceVersion !== cur.metadata.resourceVersion)
      throw conflict(this.gr, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${cur.metadata.resourceVersion}`);
    this.kind.checkDelete?.(cur);
    const next = deepClone(cur);
    const m = next.metadata;
    const fins = new Set(m.finalizers ?? []);
    if (opts.propagationPolicy === 'Orphan') fins.add('orphan');
    if (opts.propagationPolicy === 'Foreground') fins.add('foregroundDeletion');
    if (opts.propagationPolicy && opts.propagationPolicy !== 'Orphan') fins.delete('orphan');
    if (fins.size) m.finalizers = [...fins];
    const grace = this.kind.gracePeriod?.(cur, opts.gracePeriodSeconds) ?? 0;
    if (pendingFinalizers(next).length === 0 && grace <= 0) {
      if (opts.dryRun) return { object: cur, deleted: true };
      try {
        const d = await this.store.delete(this.key(namespace, name), Number(cur.metadata.resourceVersion));
        cur.metadata.resourceVersion = String(d.revision);
        return { object: cur, deleted: true };
      } catch (err) {
        throw this.mapWriteError(err, name);
      }
    }
    if (!m.deletionTimestamp || (m.deletionGracePeriodSeconds ?? 0) > grace) {
      m.deletionTimestamp = nowTimestamp(new Date(Date.now() + grace * 1000));
      m.deletionGracePeriodSeconds = grace;
    }
    if (this.kind.kind === 'Namespace') (next.status as Record<string, unknown>) = { ...(next.status as object), phase: 'Terminating' };
    const stored = await this.write(cur, next, { dryRun: opts.dryRun ?? false });
    return { object: stored, deleted: false };
  }
}

const invalidMissingRV = (k: KindDef, name: string): Error =>
  invalid(k.kind, k.group, name, [{ reason: 'FieldValueInvalid', field: 'metadata.resourceVersion', message: 'Invalid value: 0x0: must be specified for an update' }]);

const STORED_PREFIX = /^\{"apiVersion":"[^"\\]*","kind":"[^"\\]*","metadata":\{/;

/** Finalizers that block removal: metadata.finalizers, plus a Namespace's spec.finalizers. */
export function pendingFinalizers(o: KObject): string[] {
  const spec = isPlainObject(o.spec) && o.kind === 'Namespace' ? ((o.spec.finalizers as string[] | undefined) ?? []) : [];
  return [...(o.metadata.finalizers ?? []), ...spec];
}

/** Everything but metadata and status: a change bumps metadata.generation. */
function specOf(o: KObject): string {
  const { metadata: _m, status: _s, ...rest } = o;
  return JSON.stringify(rest);
}

function unchanged(a: KObject, b: KObject): boolean {
  const strip = (o: KObject): unknown => ({ ...o, metadata: { ...o.metadata, resourceVersion: undefined, managedFields: (o.metadata.managedFields ?? []).map((e) => ({ ...e, time: undefined })) } });
  return deepEqual(strip(a), strip(b));
}
