/**
 * Several API servers on one etcd (Debian's etcd on loopback, temp data dir, free ports):
 * each sees the others' writes and watch events, optimistic concurrency holds across them,
 * and state outlives a kill -9 of a server.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiClient, watchStream } from './api-client.js';
import { startEtcd, type EtcdProcess } from './etcd-process.js';
import { startServer, type ServerProcess } from './server-process.js';

let etcd: EtcdProcess;
let a: ServerProcess;
let b: ServerProcess;
let shared: string;
const ns = `e${Date.now().toString(36)}`;

before(async () => {
  etcd = await startEtcd();
  // Both servers share one data dir (CA, serving certs, token) as an HA pair would.
  shared = mkdtempSync(join(tmpdir(), 'wharf-ha-'));
  const args = ['--datastore-endpoint', etcd.endpoint];
  a = await startServer({ dataDir: shared, kubeconfig: join(shared, 'a.yaml'), extraArgs: args });
  b = await startServer({ dataDir: shared, kubeconfig: join(shared, 'b.yaml'), extraArgs: args });
});
after(async () => {
  await a?.stop();
  await b?.stop();
  await etcd?.stop();
  rmSync(shared, { recursive: true, force: true });
});

const ok = (s: ServerProcess, args: string[], input?: string): string => {
  const r = s.kubectl(args, { input });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}${r.stdout}`);
  return r.stdout;
};

test('writes through one server are read and watched through the other', async () => {
  ok(a, ['create', 'namespace', ns]);
  const apiB = apiClient(b.url, shared, b.token);
  const list = (await apiB({ path: `/api/v1/namespaces/${ns}/configmaps` })).json();
  const w = watchStream(b.url, shared, b.token, `/api/v1/namespaces/${ns}/configmaps?watch=true&resourceVersion=${list.metadata.resourceVersion}`);
  try {
    ok(a, ['create', 'configmap', 'from-a', '-n', ns, '--from-literal=k=v']);
    ok(a, ['label', 'configmap', 'from-a', '-n', ns, 'x=1']);
    ok(a, ['delete', 'configmap', 'from-a', '-n', ns]);
    await w.waitFor(3);
    assert.deepEqual(w.events.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED from-a', 'MODIFIED from-a', 'DELETED from-a']);
  } finally {
    w.close();
  }
  ok(b, ['create', 'configmap', 'from-b', '-n', ns]);
  assert.match(ok(a, ['get', 'configmaps', '-n', ns]), /^from-b\s+0\s+/m);
});

test('optimistic concurrency holds across servers', () => {
  ok(a, ['create', 'configmap', 'cas', '-n', ns, '--from-literal=v=1']);
  const seen = JSON.parse(ok(b, ['get', 'configmap', 'cas', '-n', ns, '-o', 'json']));
  ok(a, ['patch', 'configmap', 'cas', '-n', ns, '--type=merge', '-p', '{"data":{"v":"2"}}']);
  seen.data.v = 'stale';
  const r = b.kubectl(['replace', '-f', '-'], { input: JSON.stringify(seen) });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /the object has been modified/);
  assert.equal(ok(a, ['get', 'configmap', 'cas', '-n', ns, '-o', 'jsonpath={.data.v}']), '2');
});

test('a CRD created through one server is served by the other', async () => {
  ok(a, ['apply', '-f', '-'], `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: gadgets.example.com}\nspec:\n  group: example.com\n  scope: Cluster\n  names: {plural: gadgets, singular: gadget, kind: Gadget}\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}\n`);
  const end = Date.now() + 10_000;
  let r = b.kubectl(['apply', '-f', '-'], { input: 'apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g1}\nspec: {x: 1}\n' });
  while (r.code !== 0 && Date.now() < end) {
    await new Promise((res) => setTimeout(res, 200));
    r = b.kubectl(['apply', '-f', '-'], { input: 'apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g1}\nspec: {x: 1}\n' });
  }
  assert.equal(r.code, 0, r.stderr);
  assert.match(ok(a, ['get', 'gadgets', '-o', 'name']), /gadget\.example\.com\/g1/);
});

test('state outlives kill -9 of a server', async () => {
  ok(a, ['create', 'configmap', 'durable', '-n', ns]);
  await a.kill9();
  a = await startServer({ dataDir: shared, kubeconfig: join(shared, 'a.yaml'), extraArgs: ['--datastore-endpoint', etcd.endpoint] });
  assert.match(ok(a, ['get', 'configmap', 'durable', '-n', ns, '-o', 'name']), /configmap\/durable/);
});
