/**
 * The shared store: etcd v3 (through the etcd3 client). Keys and values map one to one;
 * etcd's mod_revision is the resourceVersion, its compare-and-swap transactions give
 * optimistic concurrency, and its watch history gives resumable watches. Several API
 * servers pointed at one etcd see each other's writes and watch events.
 */
import { Etcd3 } from 'etcd3';
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

const PAGE = 1000;

const isCompacted = (err: unknown): boolean => /compacted/i.test(String((err as Error)?.message ?? err));

export class EtcdStore implements Store {
  private readonly client: Etcd3;
  private readonly hub: EtcdWatchHub;

  /** `endpoints`: "http://127.0.0.1:2379" or a comma-separated list. */
  constructor(endpoints: string) {
    const hosts = endpoints
      .replace(/^etcd:\/\//, 'http://')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    this.client = new Etcd3({ hosts, dialTimeout: 5000 });
    this.hub = new EtcdWatchHub(this.client, () => this.currentRevision());
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const res = await this.client.kv.range({ key: Buffer.from(key) });
    const kv = res.kvs[0];
    return kv ? { key, value: kv.value.toString(), modRevision: Number(kv.mod_revision) } : undefined;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    // etcd answers in one gRPC message (4 MiB by default): unbounded lists go in pages
    // pinned to one revision, so the result is still one consistent snapshot.
    const items: KeyValue[] = [];
    let after = opts.after;
    let revision = opts.revision;
    for (;;) {
      const want = opts.limit ? opts.limit - items.length : 0;
      const page = await this.range(prefix, { after, limit: want > 0 ? Math.min(want, PAGE) : PAGE, revision });
      items.push(...page.items);
      revision ??= page.revision;
      if (!page.more || (opts.limit && items.length >= opts.limit)) return { items, revision, more: page.more };
      after = page.items[page.items.length - 1].key;
    }
  }

  private async range(prefix: string, opts: ListOptions): Promise<ListResult> {
    const start = opts.after && opts.after >= prefix ? opts.after + '\0' : prefix;
    try {
      const res = await this.client.kv.range({
        key: Buffer.from(start),
        range_end: Buffer.from(prefixEnd(prefix)),
        limit: opts.limit ?? 0,
        revision: opts.revision ?? 0,
      });
      return {
        items: res.kvs.map((kv) => ({ key: kv.key.toString(), value: kv.value.toString(), modRevision: Number(kv.mod_revision) })),
        revision: opts.revision ?? Number(res.header.revision),
        more: res.more,
      };
    } catch (err) {
      if (isCompacted(err)) throw new CompactedError(opts.revision ?? 0, 0);
      throw err;
    }
  }

  async count(prefix: string): Promise<number> {
    const res = await this.client.kv.range({ key: Buffer.from(prefix), range_end: Buffer.from(prefixEnd(prefix)), count_only: true });
    return Number(res.count);
  }

  async create(key: string, value: string): Promise<number> {
    const k = Buffer.from(key);
    const res = await this.client.kv.txn({
      compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
      success: [{ request_put: { key: k, value: Buffer.from(value) } }],
    });
    if (!res.succeeded) throw new KeyExistsError(key);
    return Number(res.header.revision);
  }

  async update(key: string, value: string, expectedRevision?: number): Promise<number> {
    const k = Buffer.from(key);
    const res = await this.client.kv.txn({
      compare:
        expectedRevision !== undefined
          ? [{ key: k, target: 'Mod', result: 'Equal', mod_revision: expectedRevision }]
          : [{ key: k, target: 'Create', result: 'Greater', create_revision: 0 }],
      success: [{ request_put: { key: k, value: Buffer.from(value) } }],
      failure: [{ request_range: { key: k } }],
    });
    if (!res.succeeded) {
      if (res.responses[0]?.response_range?.kvs.length) throw new RevisionMismatchError(key);
      throw new KeyNotFoundError(key);
    }
    return Number(res.header.revision);
  }

  async delete(key: string, expectedRevision?: number): Promise<{ revision: number; value: string }> {
    const k = Buffer.from(key);
    const res = await this.client.kv.txn({
      compare:
        expectedRevision !== undefined
          ? [{ key: k, target: 'Mod', result: 'Equal', mod_revision: expectedRevision }]
          : [{ key: k, target: 'Create', result: 'Greater', create_revision: 0 }],
      success: [{ request_delete_range: { key: k, prev_kv: true } }],
      failure: [{ request_range: { key: k } }],
    });
    if (!res.succeeded) {
      if (res.responses[0]?.response_range?.kvs.length) throw new RevisionMismatchError(key);
      throw new KeyNotFoundError(key);
    }
    const prev = res.responses[0]?.response_delete_range?.prev_kvs?.[0];
    if (!prev) throw new KeyNotFoundError(key);
    return { revision: Number(res.header.revision), value: prev.value.toString() };
  }

  async currentRevision(): Promise<number> {
    const res = await this.client.kv.range({ key: Buffer.from('\0'), count_only: true });
    return Number(res.header.revision);
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
        await this.client.kv.range({ key: Buffer.from(prefix), range_end: Buffer.from(prefixEnd(prefix)), revision: fromRevision, count_only: true });
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
    this.client.close();
  }
}
