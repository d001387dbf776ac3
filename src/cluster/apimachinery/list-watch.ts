/**
 * Lists (label/field selectors, limit/continue pagination) and watches (resume from a
 * resourceVersion, selector-aware ADDED/MODIFIED/DELETED, bookmarks, 410 Expired) for any
 * resource on any Store.
 */
import type { ResourceStore } from './resource-store.js';
import { isPlainObject, type KObject } from './object.js';
import { checkFieldSelector, matchFields, matchLabels, parseFieldSelector, parseLabelSelector } from './selectors.js';
import { ApiError, badRequest, gone, type Status } from './status.js';
import { CompactedError, type WatchEvent } from '../storage/store.js';

export interface ListQuery {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

export interface ListResult {
  items: KObject[];
  resourceVersion: string;
  continue?: string;
}

export interface RawListResult {
  /** Each item's JSON text, as served. */
  items: string[];
  resourceVersion: string;
  continue?: string;
}

/**
 * A list without selectors, answered from the stored text without decoding each object
 * (the cost of listing 100,000 objects is then mostly the store's).
 */
export async function listResourceRaw(rs: ResourceStore, namespace: string | undefined, q: ListQuery): Promise<RawListResult> {
  const limit = q.limit && q.limit > 0 ? q.limit : 0;
  let after: string | undefined;
  let atRev: number | undefined;
  if (q.continue) {
    const t = decodeContinue(q.continue);
    after = t.start;
    atRev = t.rv;
  }
  let page;
  try {
    page = await rs.store.list(rs.prefix(namespace), { after, limit, revision: atRev });
  } catch (err) {
    if (err instanceof CompactedError) throw new ApiError(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results.');
    throw err;
  }
  const revision = atRev ?? page.revision;
  const result: RawListResult = { items: page.items.map((kv) => rs.rawListItem(kv.value, kv.modRevision)), resourceVersion: String(revision) };
  if (limit && page.more && page.items.length) result.continue = encodeContinue({ v: 'meta.k8s.io/v1', rv: revision, start: page.items[page.items.length - 1].key });
  return result;
}

export type Matcher = (o: KObject) => boolean;
const matchAll: Matcher = () => true;

/** The selectable fields of a resource and their values for one object. */
export function fieldsOf(rs: ResourceStore, o: KObject): Record<string, string> {
  const f: Record<string, string> = { 'metadata.name': o.metadata.name ?? '' };
  if (rs.kind.namespaced) f['metadata.namespace'] = o.metadata.namespace ?? '';
  for (const [k, get] of Object.entries(rs.kind.fieldSelectors ?? {})) f[k] = get(o) ?? '';
  return f;
}

export function matcherFor(rs: ResourceStore, q: { labelSelector?: string; fieldSelector?: string }): Matcher {
  const labels = q.labelSelector ? parseLabelSelector(q.labelSelector) : [];
  const fields = q.fieldSelector ? parseFieldSelector(q.fieldSelector) : [];
  const supported = new Set(['metadata.name', ...(rs.kind.namespaced ? ['metadata.namespace'] : []), ...Object.keys(rs.kind.fieldSelectors ?? {})]);
  checkFieldSelector(fields, supported, rs.kind.kind);
  if (!labels.length && !fields.length) return matchAll;
  return (o) => matchLabels(labels, o.metadata.labels) && matchFields(fields, fieldsOf(rs, o));
}

interface ContinueToken {
  v: string;
  rv: number;
  start: string;
}

const encodeContinue = (t: ContinueToken): string => Buffer.from(JSON.stringify(t)).toString('base64url');
function decodeContinue(s: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(s, 'base64url').toString()) as ContinueToken;
    if (t.v !== 'meta.k8s.io/v1' || typeof t.start !== 'string' || typeof t.rv !== 'number') throw new Error('bad token');
    return t;
  } catch {
    throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
}

export async function listResource(rs: ResourceStore, namespace: string | undefined, q: ListQuery): Promise<ListResult> {
  const match = matcherFor(rs, q);
  const prefix = rs.prefix(namespace);
  const limit = q.limit && q.limit > 0 ? q.limit : 0;
  let after: string | undefined;
  let atRev: number | undefined;
  if (q.continue) {
    const t = decodeContinue(q.continue);
    after = t.start;
    atRev = t.rv;
  }
  const items: KObject[] = [];
  let revision = atRev;
  let next: string | undefined;
  for (;;) {
    let page;
    try {
      page = await rs.store.list(prefix, { after, limit: limit ? Math.max(limit, 100) : 0, revision: atRev });
    } catch (err) {
      if (err instanceof CompactedError)
        throw new ApiError(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.');
      throw err;
    }
    revision ??= page.revision;
    for (let i = 0; i < page.items.length; i++) {
      const kv = page.items[i];
      const o = rs.decode(kv.value, kv.modRevision);
      if (!match(o)) continue;
      items.push(o);
      if (limit && items.length >= limit) {
        if (i < page.items.length - 1 || page.more) next = kv.key;
        break;
      }
    }
    if (next || !page.more || page.items.length === 0 || (limit && items.length >= limit)) break;
    after = page.items[page.items.length - 1].key;
  }
  const result: ListResult = { items, resourceVersion: String(revision) };
  if (next) result.continue = encodeContinue({ v: 'meta.k8s.io/v1', rv: revision!, start: next });
  return result;
}

export interface WatchQuery {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  sendInitialEvents?: boolean;
  bookmarkIntervalMs?: number;
}

export interface WatchOutEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KObject | Status;
}

export interface WatchSink {
  send(ev: WatchOutEvent): void;
  /** The watch ended on the server's side (error or store closed). */
  end(): void;
}

export const expiredStatus = (requested: string, oldest: number): Status =>
  gone(`too old resource version: ${requested} (${oldest})`).toStatus();

/** Starts a watch; resolves once events flow. Call the returned function to stop. */
export async function watchResource(rs: ResourceStore, namespace: string | undefined, q: WatchQuery, sink: WatchSink): Promise<() => void> {
  const match = matcherFor(rs, q);
  const rvText = q.resourceVersion ?? '';
  let from: number;
  let lastRev: number;
  const initial = rvText === '' || rvText === '0' || q.sendInitialEvents === true;
  if (rvText !== '' && rvText !== '0' && !/^\d+$/.test(rvText)) throw badRequest(`invalid resource version: ${rvText}`);
  if (initial) {
    const list = await listResource(rs, namespace, { labelSelector: q.labelSelector, fieldSelector: q.fieldSelector });
    for (const o of list.items) sink.send({ type: 'ADDED', object: o });
    from = Number(list.resourceVersion);
    if (q.sendInitialEvents && q.allowWatchBookmarks)
      sink.send({ type: 'BOOKMARK', object: bookmark(rs, String(from), true) });
  } else from = Number(rvText);
  lastRev = from;
  const onEvent = (ev: WatchEvent): void => {
    lastRev = ev.revision;
    const out = convertEvent(rs, ev, match);
    if (out) sink.send(out);
  };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  try {
    const w = await rs.store.watch(rs.prefix(namespace), from, {
      onEvent,
      onError: (err) => {
        if (stopped) return;
        if (err instanceof CompactedError) sink.send({ type: 'ERROR', object: expiredStatus(rvText, err.compacted) });
        sink.end();
      },
    });
    if (q.allowWatchBookmarks)
      timer = setInterval(() => sink.send({ type: 'BOOKMARK', object: bookmark(rs, String(lastRev), false) }), q.bookmarkIntervalMs ?? 30_000);
    return () => {
      stopped = true;
      if (timer) clearInterval(timer);
      w.cancel();
    };
  } catch (err) {
    if (err instanceof CompactedError) {
      sink.send({ type: 'ERROR', object: expiredStatus(rvText, err.compacted) });
      sink.end();
      return () => undefined;
    }
    throw err;
  }
}

function bookmark(rs: ResourceStore, rv: string, initialEnd: boolean): KObject {
  const apiVersion = rs.kind.group ? `${rs.kind.group}/${rs.kind.version}` : rs.kind.version;
  const metadata: KObject['metadata'] = { resourceVersion: rv };
  if (initialEnd) metadata.annotations = { 'k8s.io/initial-events-end': 'true' };
  return { apiVersion, kind: rs.kind.kind, metadata };
}

/**
 * One store event reaches every watcher of its prefix; decode it once and share the
 * (never mutated) result.
 */
const decoded = new WeakMap<WatchEvent, { obj: KObject; prev?: KObject }>();

function decodeShared(rs: ResourceStore, ev: WatchEvent): { obj: KObject; prev?: KObject } {
  let d = decoded.get(ev);
  if (!d) {
    d = { obj: rs.decode(ev.value, ev.revision) };
    decoded.set(ev, d);
  }
  return d;
}

function convertEvent(rs: ResourceStore, ev: WatchEvent, match: Matcher): WatchOutEvent | undefined {
  const shared = decodeShared(rs, ev);
  const obj = shared.obj;
  if (ev.type === 'DELETE') return match(obj) ? { type: 'DELETED', object: obj } : undefined;
  if (match === matchAll) return { type: ev.created || ev.prevValue === undefined ? 'ADDED' : 'MODIFIED', object: obj };
  const now = match(obj);
  let before = false;
  if (ev.prevValue !== undefined && !ev.created) {
    shared.prev ??= parsePrev(rs, ev.prevValue, ev.revision);
    before = match(shared.prev);
  }
  if (now && before) return { type: 'MODIFIED', object: obj };
  if (now) return { type: 'ADDED', object: obj };
  if (before) return { type: 'DELETED', object: obj };
  return undefined;
}

function parsePrev(rs: ResourceStore, v: string, rev: number): KObject {
  const o = rs.decode(v, rev);
  return isPlainObject(o) ? o : ({ metadata: {} } as KObject);
}
