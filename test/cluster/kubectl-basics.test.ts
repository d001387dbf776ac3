/**
 * Real kubectl 1.32 against `wharf server` (SQLite store): apply (client- and server-side),
 * get in every output form, create/describe/label/annotate/patch/scale/delete, discovery
 * and explain, all through the kubeconfig the server writes (client-certificate auth).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type ServerProcess } from './server-process.js';

let s: ServerProcess;
let work: string;
const ns = `t${Date.now().toString(36)}`;

const ok = (args: string[], input?: string): string => {
  const r = s.kubectl(args, { input });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}${r.stdout}`);
  return r.stdout;
};
const fails = (args: string[], input?: string): string => {
  const r = s.kubectl(args, { input });
  assert.notEqual(r.code, 0, `kubectl ${args.join(' ')} should fail: ${r.stdout}`);
  return r.stderr;
};

const manifest = (replicas: number, envValue: string): string => `
apiVersion: v1
kind: Namespace
metadata:
  name: ${ns}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${ns}
  labels: {app: web}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: busybox:1.36
        command: ["sleep", "3600"]
        ports: [{containerPort: 80}]
        env: [{name: MODE, value: "${envValue}"}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: ${ns}, labels: {tier: backend}}
data: {level: "1"}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: ${ns}}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
`;

before(async () => {
  s = await startServer();
  work = mkdtempSync(join(tmpdir(), 'wharf-kubectl-'));
});
after(async () => {
  await s?.stop();
  rmSync(work, { recursive: true, force: true });
});

test('version and discovery: server reports 1.32; api-versions, api-resources, explain', () => {
  assert.match(ok(['version']), /Server Version: v1\.32\.\d+/);
  const versions = ok(['api-versions']).split('\n');
  for (const gv of ['v1', 'apps/v1', 'batch/v1', 'apiextensions.k8s.io/v1', 'coordination.k8s.io/v1', 'discovery.k8s.io/v1', 'networking.k8s.io/v1', 'autoscaling/v2', 'storage.k8s.io/v1']) assert.ok(versions.includes(gv), `missing ${gv}`);
  const resources = ok(['api-resources']);
  assert.match(resources, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
  assert.match(resources, /^namespaces\s+ns\s+v1\s+false\s+Namespace$/m);
  assert.match(ok(['explain', 'deployment.spec.replicas']), /FIELD: replicas <integer>/);
  assert.match(ok(['explain', 'pods.spec.containers']), /image\s+<string>/);
});

test('apply -f: create, unchanged on re-apply, configured through a strategic merge patch', () => {
  const f1 = join(work, 'app.yaml');
  writeFileSync(f1, manifest(2, 'a'));
  assert.match(ok(['apply', '-f', f1]), /deployment\.apps\/web created[\s\S]*configmap\/settings created[\s\S]*service\/web created/);
  const again = ok(['apply', '-f', f1]);
  assert.match(again, /deployment\.apps\/web unchanged/);
  assert.match(again, /configmap\/settings unchanged/);
  const f2 = join(work, 'app2.yaml');
  writeFileSync(f2, manifest(3, 'b'));
  assert.match(ok(['apply', '-f', f2]), /deployment\.apps\/web configured/);
  const d = JSON.parse(ok(['get', 'deploy', 'web', '-n', ns, '-o', 'json']));
  assert.equal(d.spec.replicas, 3);
  assert.equal(d.metadata.generation, 2);
  assert.deepEqual(d.spec.template.spec.containers[0].env, [{ name: 'MODE', value: 'b' }]);
  assert.deepEqual(d.spec.template.spec.containers[0].ports, [{ containerPort: 80, protocol: 'TCP' }], 'ports merged by key, not duplicated');
  assert.equal(d.spec.strategy.type, 'RollingUpdate', 'defaults applied');
  assert.ok(d.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
});

test('apply --server-side: creates, reports conflicts with another manager, --force-conflicts takes over', () => {
  const f = join(work, 'ssa.yaml');
  writeFileSync(f, `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa, namespace: ${ns}}\ndata: {a: "1", b: "2"}\n`);
  assert.match(ok(['apply', '--server-side', '-f', f]), /configmap\/ssa serverside-applied/);
  const cm = JSON.parse(ok(['get', 'cm', 'ssa', '-n', ns, '-o', 'json', '--show-managed-fields']));
  assert.equal(cm.metadata.managedFields[0].manager, 'kubectl');
  assert.equal(cm.metadata.managedFields[0].operation, 'Apply');
  ok(['apply', '--server-side', '--field-manager=other', '-f', '-'], `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa, namespace: ${ns}}\ndata: {c: "3"}\n`);
  const err = fails(['apply', '--server-side', '--field-manager=other', '-f', '-'], `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa, namespace: ${ns}}\ndata: {a: "9"}\n`);
  assert.match(err, /conflict with "kubectl"/);
  assert.match(err, /\.data\.a/);
  ok(['apply', '--server-side', '--force-conflicts', '--field-manager=other', '-f', '-'], `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa, namespace: ${ns}}\ndata: {a: "9"}\n`);
  const after = JSON.parse(ok(['get', 'cm', 'ssa', '-n', ns, '-o', 'json']));
  assert.deepEqual(after.data, { a: '9', b: '2' }, '"other" dropped c (no longer applied) and took a');
});

test('get: tables, -o wide/yaml/json/jsonpath/name, -l, --field-selector, -A', () => {
  const table = ok(['get', 'deploy', '-n', ns]);
  assert.match(table, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/m);
  assert.match(table, /^web\s+0\/3\s+0\s+0\s+\d+s$/m);
  assert.match(ok(['get', 'deploy', '-n', ns, '-o', 'wide']), /CONTAINERS\s+IMAGES\s+SELECTOR[\s\S]*web\s+.*busybox:1\.36\s+app=web/);
  assert.match(ok(['get', 'cm', 'settings', '-n', ns, '-o', 'yaml']), /^data:\n  level: "1"\nkind: ConfigMap$/m);
  assert.equal(ok(['get', 'cm', 'settings', '-n', ns, '-o', 'jsonpath={.data.level}']), '1');
  assert.equal(ok(['get', 'cm', '-n', ns, '-l', 'tier=backend', '-o', 'name']).trim(), 'configmap/settings');
  assert.equal(ok(['get', 'cm', '-n', ns, '-l', 'tier!=backend', '-o', 'name']).trim(), 'configmap/ssa');
  assert.equal(ok(['get', 'cm', '-n', ns, '--field-selector', 'metadata.name=ssa', '-o', 'name']).trim(), 'configmap/ssa');
  const all = ok(['get', 'svc', '-A']);
  assert.match(all, /^NAMESPACE\s+NAME\s+TYPE\s+CLUSTER-IP/m);
  assert.match(all, /^default\s+kubernetes\s+ClusterIP\s+10\.43\.0\.1/m);
  assert.match(all, new RegExp(`^${ns}\\s+web\\s+ClusterIP`, 'm'));
  assert.match(fails(['get', 'pods', '-n', ns, '--field-selector', 'bogus.field=1']), /field label not supported: bogus\.field/);
});

test('create namespace/configmap/secret/deployment, describe, label, annotate', () => {
  const other = `${ns}-b`;
  ok(['create', 'namespace', other]);
  ok(['create', 'configmap', 'cfg', '-n', other, '--from-literal=k=v']);
  ok(['create', 'secret', 'generic', 'sec', '-n', other, '--from-literal=password=s3cret']);
  assert.equal(Buffer.from(ok(['get', 'secret', 'sec', '-n', other, '-o', 'jsonpath={.data.password}']), 'base64').toString(), 's3cret');
  ok(['create', 'deployment', 'api', '-n', other, '--image=busybox:1.36', '--replicas=2', '--port=8080']);
  const desc = ok(['describe', 'deployment', 'api', '-n', other]);
  assert.match(desc, /Replicas:\s+2 desired/);
  assert.match(desc, /Image:\s+busybox:1\.36/);
  ok(['label', 'cm', 'cfg', '-n', other, 'team=blue']);
  ok(['annotate', 'cm', 'cfg', '-n', other, 'note=hello']);
  const cm = JSON.parse(ok(['get', 'cm', 'cfg', '-n', other, '-o', 'json']));
  assert.equal(cm.metadata.labels.team, 'blue');
  assert.equal(cm.metadata.annotations.note, 'hello');
  assert.match(fails(['label', 'cm', 'cfg', '-n', other, 'team=red']), /already has a value/);
  ok(['label', 'cm', 'cfg', '-n', other, 'team-']);
  assert.equal(JSON.parse(ok(['get', 'cm', 'cfg', '-n', other, '-o', 'json'])).metadata.labels, undefined);
  assert.match(fails(['create', 'namespace', other]), /AlreadyExists|already exists/);
});

test('patch (strategic, merge, json) and scale through the scale subresource', () => {
  ok(['patch', 'cm', 'settings', '-n', ns, '-p', '{"data":{"extra":"x"}}']);
  ok(['patch', 'cm', 'settings', '-n', ns, '--type=merge', '-p', '{"data":{"level":null}}']);
  ok(['patch', 'cm', 'settings', '-n', ns, '--type=json', '-p', '[{"op":"add","path":"/data/j","value":"y"}]']);
  assert.deepEqual(JSON.parse(ok(['get', 'cm', 'settings', '-n', ns, '-o', 'jsonpath={.data}'])), { extra: 'x', j: 'y' });
  ok(['patch', 'deploy', 'web', '-n', ns, '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"busybox:1.37"}]}}}}']);
  const c = JSON.parse(ok(['get', 'deploy', 'web', '-n', ns, '-o', 'jsonpath={.spec.template.spec.containers}']));
  assert.equal(c.length, 1);
  assert.equal(c[0].image, 'busybox:1.37');
  assert.deepEqual(c[0].command, ['sleep', '3600'], 'strategic merge kept the other container fields');
  assert.match(fails(['patch', 'cm', 'settings', '-n', ns, '--type=json', '-p', '[{"op":"test","path":"/data/j","value":"nope"}]']), /test failed|testing value/);
  assert.match(ok(['scale', 'deploy', 'web', '-n', ns, '--replicas=5']), /scaled/);
  assert.equal(ok(['get', 'deploy', 'web', '-n', ns, '-o', 'jsonpath={.spec.replicas}']), '5');
  assert.match(fails(['scale', 'deploy', 'web', '-n', ns, '--replicas=-1']), /replicas/);
});

test('bad input: strict unknown fields, invalid names, wrong apiVersion, stale resourceVersion', () => {
  const bad = fails(['apply', '-f', '-'], `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bad, namespace: ${ns}}\ndata: {a: "1"}\nbogus: 1\n`);
  assert.match(bad, /strict decoding error: unknown field "bogus"/);
  assert.match(fails(['get', 'cm', 'bad', '-n', ns]), /NotFound|not found/);
  assert.match(fails(['create', 'namespace', 'Not_A_Label']), /metadata\.name: Invalid value: "Not_A_Label"/);
  assert.match(fails(['apply', '-f', '-'], `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: nosel, namespace: ${ns}}\nspec:\n  template:\n    metadata: {labels: {a: b}}\n    spec: {containers: [{name: c, image: busybox}]}\n`), /spec\.selector: Required value/);
  const cm = JSON.parse(ok(['get', 'cm', 'settings', '-n', ns, '-o', 'json']));
  ok(['label', 'cm', 'settings', '-n', ns, 'bump=1']);
  cm.data = { stale: 'write' };
  assert.match(fails(['replace', '-f', '-'], JSON.stringify(cm)), /the object has been modified/);
});

test('delete: object goes away, later gets are NotFound', () => {
  assert.match(ok(['delete', 'cm', 'ssa', '-n', ns]), /configmap "ssa" deleted/);
  assert.match(fails(['get', 'cm', 'ssa', '-n', ns]), /configmaps "ssa" not found/);
  assert.match(fails(['delete', 'cm', 'ssa', '-n', ns]), /not found/);
});
