import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResourceStore } from './resource-store.js';
import { listResource, watchResource, type WatchOutEvent } from './list-watch.js';
import { SqliteStore } from '../storage/sqlite-store.js';
import { deploymentKind } from '../kinds/deployment.js';
import { configMapKind } from '../kinds/configmap.js';
import type { WriteContext } from './admission.js';
import type { KObject } from './object.js';
import { ApiError } from './status.js';

const ctx = (): WriteContext => ({ dryRun: false, fieldManager: 'test', fieldValidation: 'Strict', warnings: [] });
const deployment = (replicas: number): KObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'busybox' }] } } },
});

test('create fills metadata and defaults; spec changes bump generation, status writes do not', async () => {
  const store = new SqliteStore(':memory:');
  try {
    const rs = new ResourceStore(deploymentKind, store);
    const created = await rs.create('default', deployment(2), ctx());
    assert.match(created.metadata.uid!, /^[0-9a-f-]{36}$/);
    assert.equal(created.metadata.generation, 1);
    assert.equal(created.metadata.namespace, 'default');
    assert.equal((created.spec as { strategy: { type: string } }).strategy.type, 'RollingUpdate');
    assert.equal(created.metadata.managedFields?.[0].manager, 'test');
    const scaled = await rs.update('default', 'web', { ...created, spec: { ...(created.spec as object), replicas: 3 } }, ctx());
    assert.equal(scaled.metadata.generation, 2);
    const withStatus = await rs.update('default', 'web', { ...scaled, status: { replicas: 3 } }, ctx(), { subresource: 'status' });
    assert.equal(withStatus.metadata.generation, 2);
    assert.deepEqual(withStatus.status, { replicas: 3 });
    const mainWrite = await rs.update('default', 'web', { ...withStatus, status: { replicas: 99 } }, ctx());
    assert.deepEqual(mainWrite.status, { replicas: 3 }, 'the main resource keeps status');
    await assert.rejects(rs.update('default', 'web', { ...created }, ctx()), (e: unknown) => e instanceof ApiError && e.code === 409);
  } finally {
    await store.close();
  }
});

test('finalizers keep a deleted object until the last one is removed', async () => {
  const store = new SqliteStore(':memory:');
  try {
    const rs = new ResourceStore(configMapKind, store);
    await rs.create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'f', finalizers: ['x/y'] } }, ctx());
    const del = await rs.delete('default', 'f', {});
    assert.equal(del.deleted, false);
    assert.ok(del.object.metadata.deletionTimestamp);
    const cur = await rs.get('default', 'f');
    await rs.update('default', 'f', { ...cur, metadata: { ...cur.metadata, finalizers: [] } }, ctx());
    assert.equal(await rs.tryGet('default', 'f'), undefined);
  } finally {
    await store.close();
  }
});

test('an in-process watch sees the initial state, then changes', async () => {
  const store = new SqliteStore(':memory:');
  try {
    const rs = new ResourceStore(configMapKind, store);
    await rs.create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } }, ctx());
    const events: WatchOutEvent[] = [];
    const stop = await watchResource(rs, 'default', {}, { send: (e) => events.push(e), end: () => undefined });
    await rs.create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } }, ctx());
    await rs.delete('default', 'a', {});
    stop();
    assert.deepEqual(events.map((e) => `${e.type} ${(e.object as KObject).metadata.name}`), ['ADDED a', 'ADDED b', 'DELETED a']);
    const list = await listResource(rs, 'default', { limit: 1 });
    assert.equal(list.items.length, 1);
    assert.equal(list.continue, undefined);
  } finally {
    await store.close();
  }
});

test('raw list items equal decoded objects', async () => {
  const store = new SqliteStore(':memory:');
  try {
    const rs = new ResourceStore(deploymentKind, store);
    await rs.create('default', deployment(1), ctx());
    const cm = new ResourceStore(configMapKind, store);
    await cm.create('default', { kind: 'ConfigMap', metadata: { name: 'x' }, apiVersion: 'v1' }, ctx());
    for (const r of [rs, cm]) {
      const kv = (await store.list(r.prefix('default'))).items[0];
      assert.deepEqual(JSON.parse(r.rawListItem(kv.value, kv.modRevision)), r.decode(kv.value, kv.modRevision));
    }
    assert.deepEqual(JSON.parse(cm.rawListItem('{"metadata":{"name":"old"},"apiVersion":"v1","kind":"ConfigMap"}', 7)), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'old', resourceVersion: '7' } }, 'falls back for other key orders');
  } finally {
    await store.close();
  }
});
