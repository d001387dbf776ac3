/**
 * The shared store: etcd v3 (through the etcd3 client). Keys and values map one to one;
 * etcd's mod_revision is the resourceVersion, its compare-and-swap transactions give
 * optimistic concurrency, and its watch history gives resumable watches. Several API
 * servers pointed at one etcd see each other's writes and watch events.
 */
import { Etcd3 } from 'etcd3';
import { EtcdKvClient } from './etcd-kv-client.js';
import { KeyIndex } from './etcd-key-index.js';
import type { EtcdKv, RangeRequest, RangeResponse } from './etcd-proto.js';
import { EtcdWatchHub } from './etcd-watch-hub.js';
import {
  CompactedError,
  KeyExistsError,
  KeyNotFoundError,
  RevisionMismatchError,
  prefixEnd,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Store,
  type Watch,
  type WatchHandlers,
} from './store.js';

/** Keys per read when a caller wants a whole prefix (etcd answers each read in one message). */
const PAGE = 1000;

/** Read-ahead pages kept at most, and for how long. */
const READ_AHEAD_PAGES = 16;
const READ_AHEAD_MS = 30_000;

/** Extra keys a bounded read spans, so a few deletions the index has not heard of yet cost no second read. */
const BOUND_SLACK = 8;

/** JavaScript compares UTF-16 units, etcd bytes: they agree on ASCII keys (all Kubernetes keys), checked otherwise. */
const byteOrderBefore = (a: string, b: string): boolean => (/^[\0-\x7f]*$/.test(a + b) ? a < b : Buffer.compare(Buffer.from(a), Buffer.from(b)) < 0);

const isCompacted = (err: unknown): boolean => /compacted/i.test(String((err as Error)?.message ?? err));
const toKeyValue = (kv: EtcdKv): KeyValue => ({ key: kv.key, value: kv.value, modRevision: kv.modRevision });

type Page = { kvs: EtcdKv[]; revision: number; more: boolean };

/** Pages read ahead for paginated lists; few, and short-lived (a page unused for long is dropped). */
class PageReadAhead {
  private readonly pages = new Map<string, { at: number; page: Promise<Page> }>();

  put(prefix: string, start: string, limit: number, revision: number, read: () => Promise<Page>): void {
    const now = Date.now();
    for (const [k, v] of this.pages) if (now - v.at > READ_AHEAD_MS || this.pages.size >= READ_AHEAD_PAGES) this.pages.delete(k);
    const page = read();
    // An unused read-ahead that failed must not surface as an unhandled rejection.
    page.catch(() => undefined);
    this.pages.set(`${revision}\0${limit}\0${prefix}\0${start}`, { at: now, page });
  }

  take(prefix: string, start: string, limit: number, revision: number | undefined): Promise<Page> | undefined {
    if (revision === undefined) return undefined;
    const k = `${revision}\0${limit}\0${prefix}\0${start}`;
    const hit = this.pages.get(k);
    this.pages.delete(k);
    return hit && Date.now() - hit.at <= READ_AHEAD_MS ? hit.page : undefined;
  }
}

export class EtcdStore implements Store {
  /** Watches (a stream API) go through the etcd3 client. */
  private readonly client: Etcd3;
  /** Reads and writes: the hot path, with a lean codec. */
  private readonly kv: EtcdKvClient;
  private readonly hub: EtcdWatchHub;
  /** Every stored key (no values), kept by the hub's watch: tells where a page ends. */
  private readonly keys = new KeyIndex();
  private readonly readAhead = new PageReadAhead();

  /** `endpoints`: "http://127.0.0.1:2379" or a comma-separated list. */
  constructor(endpoints: string) {
    const hosts = endpoints
      .replace(/^etcd:\/\//, 'http://')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    this.client = new Etcd3({ hosts, dialTimeout: 5000 });
    this.kv = new EtcdKvClient(hosts);
    this.hub = new EtcdWatchHub(this.client, () => this.currentRevision(), this.keys, (rev) => this.keysAt(rev));
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const res = await this.kv.range({ key });
    const kv = res.kvs[0];
    return kv ? toKeyValue(kv) : undefined;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    // etcd answers in one gRPC message: unbounded lists go in pages pinned to one revision,
    // so the result is still one consistent snapshot.
    const items: KeyValue[] = [];
    let start = opts.after && opts.after >= prefix ? opts.after + '\0' : prefix;
    let revision = opts.revision;
    for (;;) {
      const want = opts.limit ? Math.min(opts.limit - items.length, PAGE) : PAGE;
      const page = await (this.readAhead.take(prefix, start, want, revision) ?? this.page(prefix, start, want, revision));
      for (const kv of page.kvs) items.push(toKeyValue(kv));
      revision ??= page.revision;
      if (!page.more || (opts.limit && items.length >= opts.limit)) {
        // A client paging through a list asks for the next page next: read it while this one
        // is sent (pinned to the same revision, so it is the very answer etcd would give).
        if (page.more && opts.limit) {
          const next = page.kvs[page.kvs.length - 1].key + '\0';
          const rev = revision;
          this.readAhead.put(prefix, next, want, rev, () => this.page(prefix, next, want, rev));
        }
        return { items, revision, more: page.more };
      }
      start = page.kvs[page.kvs.length - 1].key + '\0';
    }
  }

  /**
   * Up to `limit` keys from `start` under `prefix`, and whether more follow. etcd 3.4 walks
   * everything from the start key to range_end before applying a limit (see
   * etcd-key-index.ts), so when the key index is ready each read is bounded to about the
   * keys wanted; reads continue from where the last ended, at the first read's revision,
   * until limit + 1 keys are found or the prefix ends.
   */
  private async page(prefix: string, start: string, limit: number, revision?: number): Promise<Page> {
    const end = prefixEnd(prefix);
    if (!this.hub.keysReady) {
      // Until the index is loaded, an open read (and a start of the index for later lists).
      this.hub.start().catch(() => undefined);
      const res = await this.rangeAt({ key: start, rangeEnd: end, limit, revision });
      return { kvs: res.kvs, revision: revision ?? res.revision, more: res.more };
    }
    const kvs: EtcdKv[] = [];
    let from = start;
    let rev = revision;
    for (;;) {
      const need = limit + 1 - kvs.length;
      const bound = this.keys.endAfter(from, need + BOUND_SLACK);
      const to = bound !== undefined && byteOrderBefore(bound, end) && byteOrderBefore(from, bound) ? bound : end;
      const res = await this.rangeAt({ key: from, rangeEnd: to, limit: need, revision: rev });
      rev ??= res.revision;
      for (const kv of res.kvs) kvs.push(kv);
      if (kvs.length > limit) return { kvs: kvs.slice(0, limit), revision: rev, more: true };
      if (to === end) return { kvs, revision: rev, more: false };
      from = to;
    }
  }

  private async rangeAt(req: RangeRequest): Promise<RangeResponse> {
    try {
      return await this.kv.range(req);
    } catch (err) {
      if (isCompacted(err)) throw new CompactedError(req.revision ?? 0, 0);
      throw err;
    }
  }

  /** Every key at a revision (loads the key index; one read, keys only). */
  private async keysAt(revision: number): Promise<string[]> {
    const res = await this.kv.range({ key: '\0', rangeEnd: '\0', revision, keysOnly: true });
    return res.kvs.map((kv) => kv.key);
  }

  async count(prefix: string): Promise<number> {
    const res = await this.kv.range({ key: prefix, rangeEnd: prefixEnd(prefix), countOnly: true });
    return res.count;
  }

  async create(key: string, value: string): Promise<number> {
    const res = await this.kv.txn({
      compare: [{ key, target: 'Create', result: 'Equal', revision: 0 }],
      success: [{ put: { key, value } }],
    });
    if (!res.succeeded) throw new KeyExistsError(key);
    return res.revision;
  }

  async update(key: string, value: string, expectedRevision?: number): Promise<number> {
    const res = await this.kv.txn({
      compare: [
        expectedRevision !== undefined
          ? { key, target: 'Mod', result: 'Equal', revision: expectedRevision }
          : { key, target: 'Create', result: 'Greater', revision: 0 },
      ],
      success: [{ put: { key, value } }],
      failure: [{ range: { key, keysOnly: true } }],
    });
    if (!res.succeeded) {
      if (res.responses[0]?.range?.kvs.length) throw new RevisionMismatchError(key);
      throw new KeyNotFoundError(key);
    }
    return res.revision;
  }

  async delete(key: string, expectedRevision?: number): Promise<{ revision: number; value: string }> {
    const res = await this.kv.txn({
      compare: [
        expectedRevision !== undefined
          ? { key, target: 'Mod', result: 'Equal', revision: expectedRevision }
          : { key, target: 'Create', result: 'Greater', revision: 0 },
      ],
      success: [{ deleteRange: { key, prevKv: true } }],
      failure: [{ range: { key, keysOnly: true } }],
    });
    if (!res.succeeded) {
      if (res.responses[0]?.range?.kvs.length) throw new RevisionMismatchError(key);
      throw new KeyNotFoundError(key);
    }
    const prev = res.responses[0]?.deletedPrev?.[0];
    if (!prev) throw new KeyNotFoundError(key);
    return { revision: res.revision, value: prev.value };
  }

  async currentRevision(): Promise<number> {
    const res = await this.kv.range({ key: '\0', countOnly: true });
    return res.revision;
  }

  async compactedRevision(): Promise<number> {
    return 0;
  }

  /** Compacts etcd's history up to `revision` (tests use this to provoke 410 Gone). */
  async compact(revision: number): Promise<void> {
    await this.client.kv.compact({ revision, physical: true });
  }

  async watch(prefix: string, fromRevision: number, handlers: WatchHandlers): Promise<Watch> {
    const shared = await this.hub.subscribe(prefix, fromRevision, handlers);
    if (shared) return shared;
    return this.dedicatedWatch(prefix, fromRevision, handlers);
  }

  /** A watch of its own, for starts older than the shared buffer. */
  private async dedicatedWatch(prefix: string, fromRevision: number, handlers: WatchHandlers): Promise<Watch> {
    // etcd reports compaction asynchronously on the watch; ask up front so callers get a clean error.
    if (fromRevision > 0) {
      try {
        await this.kv.range({ key: prefix, rangeEnd: prefixEnd(prefix), revision: fromRevision, countOnly: true });
      } catch (err) {
        if (isCompacted(err)) throw new CompactedError(fromRevision, 0);
        if (!/future revision/i.test(String(err))) throw err;
      }
    }
    const watcher = await this.client
      .watch()
      .prefix(prefix)
      .withPreviousKV()
      .startRevision(String(fromRevision + 1))
      .create();
    let closed = false;
    watcher.on('data', (res) => {
      if (closed) return;
      for (const ev of res.events) {
        const revision = Number(ev.kv.mod_revision);
        if (ev.type === 'Delete')
          handlers.onEvent({ type: 'DELETE', key: ev.kv.key.toString(), value: ev.prev_kv?.value.toString() ?? '{}', revision });
        else
          handlers.onEvent({
            type: 'PUT',
            key: ev.kv.key.toString(),
            value: ev.kv.value.toString(),
            prevValue: ev.prev_kv?.value.toString(),
            revision,
            created: ev.kv.create_revision === ev.kv.mod_revision,
          });
      }
    });
    watcher.on('error', (err) => {
      if (closed) return;
      closed = true;
      handlers.onError?.(isCompacted(err) ? new CompactedError(fromRevision, 0) : err);
    });
    return {
      cancel: () => {
        closed = true;
        void watcher.cancel().catch(() => undefined);
      },
    };
  }

  async close(): Promise<void> {
    this.hub.close();
    this.kv.close();
    this.client.close();
  }
}
