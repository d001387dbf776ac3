/**
 * @kubernetes/client-node (the official JavaScript client) against `wharf server`:
 * list, watch and an informer see every change, in order.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startServer, type ServerProcess } from './server-process.js';

let s: ServerProcess;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;
const ns = `c${Date.now().toString(36)}`;

const waitUntil = async (cond: () => boolean, what: string, ms = 15_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};
const cm = (name: string, v: string): k8s.V1ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { v } });

before(async () => {
  s = await startServer();
  kc = new k8s.KubeConfig();
  kc.loadFromFile(s.kubeconfig);
  core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: ns } } });
});
after(async () => {
  await s?.stop();
});

test('list returns typed objects and a resourceVersion', async () => {
  await core.createNamespacedConfigMap({ namespace: ns, body: cm('one', '1') });
  const list = await core.listNamespacedConfigMap({ namespace: ns });
  assert.deepEqual(list.items.map((i) => i.metadata?.name), ['one']);
  assert.ok(Number(list.metadata?.resourceVersion) > 0);
  await assert.rejects(core.readNamespacedConfigMap({ name: 'missing', namespace: ns }), (e: { code?: number }) => e.code === 404);
});

test('watch sees every change in order', async () => {
  const list = await core.listNamespacedConfigMap({ namespace: ns });
  const seen: string[] = [];
  const watch = new k8s.Watch(kc);
  const req = await watch.watch(`/api/v1/namespaces/${ns}/configmaps`, { resourceVersion: list.metadata?.resourceVersion }, (type, obj: k8s.V1ConfigMap) => seen.push(`${type} ${obj.metadata?.name} ${obj.data?.v ?? ''}`), () => undefined);
  try {
    for (let i = 0; i < 20; i++) await core.replaceNamespacedConfigMap({ name: 'one', namespace: ns, body: cm('one', String(i + 2)) });
    await core.deleteNamespacedConfigMap({ name: 'one', namespace: ns });
    await waitUntil(() => seen.length >= 21, 'watch events');
    assert.deepEqual(seen, [...Array.from({ length: 20 }, (_, i) => `MODIFIED one ${i + 2}`), 'DELETED one 21']);
  } finally {
    req.abort();
  }
});

test('an informer lists, then follows adds, updates and deletes in order', async () => {
  const informer = k8s.makeInformer(kc, `/api/v1/namespaces/${ns}/configmaps`, () => core.listNamespacedConfigMap({ namespace: ns }));
  const log: string[] = [];
  informer.on('add', (o) => log.push(`add ${o.metadata?.name}`));
  informer.on('update', (o) => log.push(`update ${o.metadata?.name} ${(o as k8s.V1ConfigMap).data?.v}`));
  informer.on('delete', (o) => log.push(`delete ${o.metadata?.name}`));
  await core.createNamespacedConfigMap({ namespace: ns, body: cm('pre', '0') });
  await informer.start();
  try {
    await waitUntil(() => log.includes('add pre'), 'initial add');
    await core.createNamespacedConfigMap({ namespace: ns, body: cm('a', '1') });
    await core.patchNamespacedConfigMap({ name: 'a', namespace: ns, body: [{ op: 'replace', path: '/data/v', value: '2' }] });
    await core.deleteNamespacedConfigMap({ name: 'a', namespace: ns });
    await waitUntil(() => log.includes('delete a'), 'delete a');
    assert.deepEqual(log, ['add pre', 'add a', 'update a 2', 'delete a']);
    assert.deepEqual(informer.list().map((o) => o.metadata?.name), ['pre']);
  } finally {
    await informer.stop();
  }
});
