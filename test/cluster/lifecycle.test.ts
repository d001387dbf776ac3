/**
 * Deletion semantics with real kubectl: ownerReference garbage collection (background,
 * foreground, orphan), finalizers, graceful pod deletion, and namespace deletion.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type ServerProcess } from './server-process.js';

let s: ServerProcess;
const ns = `l${Date.now().toString(36)}`;

const ok = (args: string[], input?: string): string => {
  const r = s.kubectl(args, { input });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}${r.stdout}`);
  return r.stdout;
};
const json = (args: string[]): any => JSON.parse(ok([...args, '-o', 'json']));
const exists = (kind: string, name: string, namespace = ns): boolean => s.kubectl(['get', kind, name, '-n', namespace]).code === 0;
const waitUntil = async (cond: () => boolean, what: string, ms = 20_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

/** An owner ConfigMap and two dependents pointing at it. */
function family(prefix: string, extraDependentMeta = ''): void {
  ok(['create', 'configmap', `${prefix}-owner`, '-n', ns]);
  const uid = json(['get', 'cm', `${prefix}-owner`, '-n', ns]).metadata.uid;
  for (const d of ['a', 'b'])
    ok(['apply', '-f', '-'], `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${prefix}-dep-${d}\n  namespace: ${ns}\n${extraDependentMeta}  ownerReferences:\n  - {apiVersion: v1, kind: ConfigMap, name: ${prefix}-owner, uid: ${uid}, blockOwnerDeletion: true}\n`);
}

before(async () => {
  s = await startServer();
  ok(['create', 'namespace', ns]);
});
after(async () => {
  await s?.stop();
});

test('background cascade: dependents go after their owner', async () => {
  family('bg');
  ok(['delete', 'cm', 'bg-owner', '-n', ns, '--cascade=background']);
  await waitUntil(() => !exists('cm', 'bg-dep-a') && !exists('cm', 'bg-dep-b'), 'dependents collected');
});

test('foreground cascade: the owner waits, marked for deletion, until its dependents are gone', async () => {
  family('fg', '  finalizers: [example.com/hold]\n');
  ok(['delete', 'cm', 'fg-owner', '-n', ns, '--cascade=foreground', '--wait=false']);
  await waitUntil(() => !!json(['get', 'cm', 'fg-dep-a', '-n', ns]).metadata.deletionTimestamp, 'dependent marked');
  const owner = json(['get', 'cm', 'fg-owner', '-n', ns]);
  assert.ok(owner.metadata.deletionTimestamp);
  assert.deepEqual(owner.metadata.finalizers, ['foregroundDeletion']);
  for (const d of ['a', 'b']) ok(['patch', 'cm', `fg-dep-${d}`, '-n', ns, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
  await waitUntil(() => !exists('cm', 'fg-owner') && !exists('cm', 'fg-dep-a') && !exists('cm', 'fg-dep-b'), 'owner and dependents gone');
});

test('orphan cascade: dependents stay, without the owner reference', async () => {
  family('or');
  ok(['delete', 'cm', 'or-owner', '-n', ns, '--cascade=orphan']);
  await waitUntil(() => !exists('cm', 'or-owner'), 'owner gone');
  for (const d of ['a', 'b']) {
    const dep = json(['get', 'cm', `or-dep-${d}`, '-n', ns]);
    assert.equal(dep.metadata.ownerReferences, undefined);
    assert.equal(dep.metadata.deletionTimestamp, undefined);
  }
});

test('finalizers hold an object in deletion until they are removed', async () => {
  ok(['apply', '-f', '-'], `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held, namespace: ${ns}, finalizers: [example.com/hold]}\n`);
  ok(['delete', 'cm', 'held', '-n', ns, '--wait=false']);
  const held = json(['get', 'cm', 'held', '-n', ns]);
  assert.ok(held.metadata.deletionTimestamp);
  ok(['patch', 'cm', 'held', '-n', ns, '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
  await waitUntil(() => !exists('cm', 'held'), 'held object gone');
});

test('graceful deletion: a pod on a node waits for its grace period; --grace-period=0 --force removes it', () => {
  ok(['apply', '-f', '-'], 'apiVersion: v1\nkind: Node\nmetadata: {name: node-a}\n');
  ok(['apply', '-f', '-'], `apiVersion: v1\nkind: Pod\nmetadata: {name: bound, namespace: ${ns}}\nspec:\n  nodeName: node-a\n  terminationGracePeriodSeconds: 45\n  containers: [{name: c, image: busybox}]\n`);
  ok(['delete', 'pod', 'bound', '-n', ns, '--wait=false']);
  const p = json(['get', 'pod', 'bound', '-n', ns]);
  assert.ok(p.metadata.deletionTimestamp);
  assert.equal(p.metadata.deletionGracePeriodSeconds, 45);
  assert.match(ok(['get', 'pod', 'bound', '-n', ns]), /Terminating/);
  ok(['delete', 'pod', 'bound', '-n', ns, '--grace-period=0', '--force']);
  assert.equal(exists('pod', 'bound'), false);
  ok(['apply', '-f', '-'], `apiVersion: v1\nkind: Pod\nmetadata: {name: unbound, namespace: ${ns}}\nspec:\n  containers: [{name: c, image: busybox}]\n`);
  ok(['delete', 'pod', 'unbound', '-n', ns, '--wait=false']);
  assert.equal(exists('pod', 'unbound'), false, 'a pod on no node goes at once');
});

test('namespace deletion empties the namespace first and refuses new content meanwhile', async () => {
  const doomed = `${ns}-doomed`;
  ok(['create', 'namespace', doomed]);
  ok(['create', 'configmap', 'c1', '-n', doomed]);
  ok(['create', 'deployment', 'd1', '-n', doomed, '--image=busybox']);
  ok(['apply', '-f', '-'], `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: hold, namespace: ${doomed}, finalizers: [example.com/hold]}\n`);
  ok(['delete', 'namespace', doomed, '--wait=false']);
  await waitUntil(() => !exists('cm', 'c1', doomed) && !exists('deploy', 'd1', doomed), 'namespace emptied');
  const n = json(['get', 'namespace', doomed]);
  assert.equal(n.status.phase, 'Terminating');
  const refused = s.kubectl(['create', 'configmap', 'late', '-n', doomed]);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /because it is being terminated/);
  ok(['patch', 'cm', 'hold', '-n', doomed, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
  await waitUntil(() => s.kubectl(['get', 'namespace', doomed]).code !== 0, 'namespace gone');
  assert.match(s.kubectl(['get', 'namespace', doomed]).stderr, /not found/);
  const sys = s.kubectl(['delete', 'namespace', 'default']);
  assert.notEqual(sys.code, 0);
  assert.match(sys.stderr, /namespaces "default" is forbidden: this namespace may not be deleted/);
});
