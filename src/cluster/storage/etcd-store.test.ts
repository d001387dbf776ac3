import { startEtcd, type EtcdProcess } from '../../../test/cluster/etcd-process.js';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KeyIndex } from './etcd-key-index.js';
import type { RangeRequest } from './etcd-proto.js';
import { EtcdStore } from './etcd-store.js';
import { storeConformance } from './store-conformance.js';

let etcd: EtcdProcess;
before(async () => {
  etcd = await startEtcd();
});
after(async () => {
  await etcd?.stop();
});

// Each test gets its own key space by prefixing through a fresh store; one etcd serves all.
storeConformance('etcd', {
  async open() {
    const store = new EtcdStore(etcd.endpoint);
    return { store, compact: (rev: number) => store.compact(rev), cleanup: () => store.close() };
  },
});

/** The store's own etcd reads, for checking how much each page asks etcd to walk. */
type RangeSpy = { kv: { range(req: RangeRequest): Promise<unknown> }; keys: KeyIndex };
function spyRanges(store: EtcdStore): RangeRequest[] {
  const inner = store as unknown as RangeSpy;
  const seen: RangeRequest[] = [];
  const range = inner.kv.range.bind(inner.kv);
  inner.kv.range = (req) => {
    seen.push(req);
    return range(req);
  };
  return seen;
}

async function fill(store: EtcdStore, prefix: string, n: number): Promise<string[]> {
  const keys = Array.from({ length: n }, (_, i) => `${prefix}obj-${String(i).padStart(5, '0')}`);
  for (let i = 0; i < n; i += 100) await Promise.all(keys.slice(i, i + 100).map((k) => store.create(k, JSON.stringify({ k }))));
  return keys;
}

/** Pages through a prefix as the API server does: each page after the last key, at the first page's revision. */
async function pageThrough(store: EtcdStore, prefix: string, limit: number, between?: (page: number) => Promise<void>): Promise<string[]> {
  const got: string[] = [];
  let after: string | undefined;
  let revision: number | undefined;
  for (let page = 0; ; page++) {
    const res = await store.list(prefix, { after, limit, revision });
    assert.ok(res.items.length <= limit);
    revision ??= res.revision;
    assert.equal(res.revision, revision);
    got.push(...res.items.map((kv) => kv.key));
    if (!res.more) return got;
    after = res.items[res.items.length - 1].key;
    await between?.(page);
  }
}

test('etcd: pages of a large list read tight key ranges, and return the first page’s snapshot while keys come and go', async () => {
  const store = new EtcdStore(etcd.endpoint);
  try {
    const prefix = '/r/pages/';
    const keys = await fill(store, prefix, 1500);
    await store.create('/r/pages0', 'just past the prefix');
    // A watch starts the shared watch, which loads the key index.
    (await store.watch('/r/none/', await store.currentRevision(), { onEvent: () => undefined })).cancel();
    const reads = spyRanges(store);
    let n = 0;
    const got = await pageThrough(store, prefix, 100, async (page) => {
      // Between pages: remove keys not listed yet, add new ones before and after the cursor.
      if ((page + 2) * 100 < keys.length) await store.delete(keys[(page + 2) * 100 + 7]);
      await store.create(`${prefix}obj-${String(page * 100 + 50).padStart(5, '0')}x`, '{}');
      await store.create(`${prefix}zzz-${n++}`, '{}');
    });
    assert.deepEqual(got, keys);
    const end = '/r/pages0';
    const open = reads.filter((r) => r.rangeEnd === end);
    assert.ok(open.length <= 1, `${open.length} of ${reads.length} reads ran to the prefix's end`);
    for (const r of reads) assert.ok(r.limit !== undefined && r.limit <= 101, `a read with limit ${r.limit}`);
  } finally {
    await store.close();
  }
});

test('etcd: a key index that disagrees with etcd costs extra reads, never a wrong page', async () => {
  const store = new EtcdStore(etcd.endpoint);
  try {
    const prefix = '/r/stale/';
    const keys = await fill(store, prefix, 600);
    (await store.watch('/r/none/', await store.currentRevision(), { onEvent: () => undefined })).cancel();
    const index = (store as unknown as RangeSpy).keys;
    // Keys etcd never had (as after deletions the watch has not reported yet)...
    for (let i = 0; i < 2000; i++) index.add(`${prefix}obj-00100-ghost-${String(i).padStart(4, '0')}`);
    // ...and keys etcd has that the index does not know (as after creations not yet reported).
    for (const k of keys.slice(300, 450)) index.delete(k);
    for (const limit of [1, 7, 100, 1000]) assert.deepEqual(await pageThrough(store, prefix, limit), keys, `limit ${limit}`);
    const all = await store.list(prefix);
    assert.deepEqual(all.items.map((kv) => kv.key), keys);
    assert.equal(all.more, false);
  } finally {
    await store.close();
  }
});
