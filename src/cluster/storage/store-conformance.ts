/**
 * One behavioural suite every Store implementation must pass. Call it from a test file with
 * a factory that makes a fresh, empty store; `compact` provokes history loss.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompactedError, KeyExistsError, KeyNotFoundError, RevisionMismatchError, type Store, type WatchEvent } from './store.js';

export interface ConformanceTarget {
  open(): Promise<{ store: Store; compact(rev: number): Promise<void> | void; cleanup(): Promise<void> }>;
}

const waitFor = async (cond: () => boolean, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
};

export function storeConformance(name: string, target: ConformanceTarget): void {
  const withStore = (title: string, fn: (s: Store, compact: (rev: number) => Promise<void> | void) => Promise<void>): void => {
    test(`${name}: ${title}`, async () => {
      const t = await target.open();
      try {
        await fn(t.store, t.compact);
      } finally {
        await t.cleanup();
      }
    });
  };

  withStore('create, get, update with revision checks, delete', async (s) => {
    const r1 = await s.create('/r/a/1', '{"v":1}');
    await assert.rejects(s.create('/r/a/1', '{}'), KeyExistsError);
    assert.deepEqual(await s.get('/r/a/1'), { key: '/r/a/1', value: '{"v":1}', modRevision: r1 });
    const r2 = await s.update('/r/a/1', '{"v":2}', r1);
    assert.ok(r2 > r1);
    await assert.rejects(s.update('/r/a/1', '{"v":3}', r1), RevisionMismatchError);
    await assert.rejects(s.update('/r/a/missing', '{}'), KeyNotFoundError);
    await assert.rejects(s.delete('/r/a/1', r1), RevisionMismatchError);
    const d = await s.delete('/r/a/1', r2);
    assert.equal(d.value, '{"v":2}');
    assert.ok(d.revision > r2);
    assert.equal(await s.get('/r/a/1'), undefined);
    await assert.rejects(s.delete('/r/a/1'), KeyNotFoundError);
    assert.equal(await s.currentRevision(), d.revision);
  });

  withStore('list is ordered, prefix-bounded and pages with after/limit', async (s) => {
    for (const k of ['b', 'a', 'c', 'd']) await s.create(`/r/x/${k}`, `"${k}"`);
    await s.create('/r/xy/z', '"other prefix"');
    const all = await s.list('/r/x/');
    assert.deepEqual(all.items.map((i) => i.key), ['/r/x/a', '/r/x/b', '/r/x/c', '/r/x/d']);
    assert.equal(all.more, false);
    const p1 = await s.list('/r/x/', { limit: 3 });
    assert.deepEqual(p1.items.map((i) => i.value), ['"a"', '"b"', '"c"']);
    assert.equal(p1.more, true);
    const p2 = await s.list('/r/x/', { limit: 3, after: p1.items[2].key });
    assert.deepEqual(p2.items.map((i) => i.value), ['"d"']);
    assert.equal(p2.more, false);
    assert.equal(await s.count('/r/x/'), 4);
  });

  withStore('an unbounded list returns every key, beyond one page of the backend', async (s) => {
    const n = 2500;
    const keys: string[] = [];
    for (let i = 0; i < n; i++) keys.push(`/r/many/${String(i).padStart(5, '0')}`);
    for (let i = 0; i < n; i += 100) await Promise.all(keys.slice(i, i + 100).map((k) => s.create(k, 'x'.repeat(100))));
    const all = await s.list('/r/many/');
    assert.equal(all.items.length, n);
    assert.equal(all.more, false);
    assert.deepEqual(all.items.map((i) => i.key), keys);
    const limited = await s.list('/r/many/', { limit: 1200 });
    assert.equal(limited.items.length, 1200);
    assert.equal(limited.more, true);
  });

  withStore('watch replays from a revision, then streams, in order, exactly once', async (s) => {
    const r1 = await s.create('/r/w/a', '1');
    await s.update('/r/w/a', '2');
    const seen: WatchEvent[] = [];
    const w = await s.watch('/r/w/', r1, { onEvent: (e) => seen.push(e) });
    try {
      await s.create('/r/other/x', 'ignored');
      await s.create('/r/w/b', '3');
      await s.delete('/r/w/a');
      await waitFor(() => seen.length >= 3);
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(seen.map((e) => [e.type, e.key, e.value]), [
        ['PUT', '/r/w/a', '2'],
        ['PUT', '/r/w/b', '3'],
        ['DELETE', '/r/w/a', '2'],
      ]);
      assert.deepEqual([...seen.map((e) => e.revision)].sort((a, b) => a - b), seen.map((e) => e.revision));
      assert.equal(seen[0].prevValue, '1');
    } finally {
      w.cancel();
    }
  });

  withStore('many watchers from recent revisions each see every later change once, in order', async (s) => {
    const start = await s.currentRevision();
    const first: WatchEvent[] = [];
    const w1 = await s.watch('/r/m/', start, { onEvent: (e) => first.push(e) });
    const r1 = await s.create('/r/m/a', '1');
    await s.create('/r/m/b', '2');
    await waitFor(() => first.length >= 2);
    // A watcher joining later, from a revision in the recent past, replays what it missed.
    const second: WatchEvent[] = [];
    const w2 = await s.watch('/r/m/', r1, { onEvent: (e) => second.push(e) });
    await s.update('/r/m/a', '3');
    await s.delete('/r/m/b');
    try {
      await waitFor(() => first.length >= 4 && second.length >= 3);
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(first.map((e) => `${e.type} ${e.key} ${e.value}`), ['PUT /r/m/a 1', 'PUT /r/m/b 2', 'PUT /r/m/a 3', 'DELETE /r/m/b 2']);
      assert.deepEqual(second.map((e) => `${e.type} ${e.key} ${e.value}`), ['PUT /r/m/b 2', 'PUT /r/m/a 3', 'DELETE /r/m/b 2']);
      assert.equal(first[0].created, true);
      assert.equal(first[2].created, false);
    } finally {
      w1.cancel();
      w2.cancel();
    }
  });

  withStore('watching from a compacted revision fails with CompactedError', async (s, compact) => {
    const r1 = await s.create('/r/c/a', '1');
    for (let i = 0; i < 5; i++) await s.update('/r/c/a', String(i));
    const cur = await s.currentRevision();
    await compact(cur - 1);
    await assert.rejects(s.watch('/r/c/', r1, { onEvent: () => undefined }), CompactedError);
    const ok = await s.watch('/r/c/', cur, { onEvent: () => undefined });
    ok.cancel();
  });
}
