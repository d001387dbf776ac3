/**
 * CustomResourceDefinitions: their resources are served by the same machinery (discovery,
 * OpenAPI for explain, schema defaults and validation, printer columns, status and scale
 * subresources) and are removed with the CRD.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type ServerProcess } from './server-process.js';

let s: ServerProcess;
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

const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wg]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
      scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    - {name: Color, type: string, jsonPath: .spec.color, priority: 1}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            description: What the widget should be.
            properties:
              size: {type: integer, minimum: 1, default: 3}
              color: {type: string, enum: [red, blue]}
              replicas: {type: integer}
              tags: {type: object, x-kubernetes-preserve-unknown-fields: true}
          status:
            type: object
            properties:
              replicas: {type: integer}
`;
const widget = (name: string, extra = ''): string => `apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: ${name}, namespace: default}\nspec: {color: red, replicas: 1, tags: {any: [1, 2]}${extra}}\n`;

before(async () => {
  s = await startServer();
});
after(async () => {
  await s?.stop();
});

test('a CRD is established and its kind appears in discovery and explain', async () => {
  ok(['apply', '-f', '-'], crd);
  const c = JSON.parse(ok(['get', 'crd', 'widgets.example.com', '-o', 'json']));
  assert.ok(c.status.conditions.some((x: { type: string; status: string }) => x.type === 'Established' && x.status === 'True'));
  ok(['wait', '--for=condition=established', 'crd/widgets.example.com', '--timeout=10s']);
  assert.match(ok(['api-resources', '--api-group=example.com']), /^widgets\s+wg\s+example\.com\/v1\s+true\s+Widget$/m);
  assert.match(ok(['explain', 'widget.spec']), /What the widget should be[\s\S]*size\s+<integer>/);
});

test('custom resources: apply, defaults, printer columns, schema validation, unknown fields', () => {
  assert.match(ok(['apply', '-f', '-'], widget('w1')), /widget\.example\.com\/w1 created/);
  assert.match(ok(['apply', '-f', '-'], widget('w1')), /unchanged/);
  const w = JSON.parse(ok(['get', 'widget', 'w1', '-o', 'json']));
  assert.equal(w.spec.size, 3, 'schema default');
  assert.deepEqual(w.spec.tags, { any: [1, 2] }, 'preserved unknown fields');
  // With printer columns declared, Kubernetes shows Name and exactly those (no implicit Age).
  assert.match(ok(['get', 'widgets']), /^NAME\s+SIZE\nw1\s+3$/m);
  assert.match(ok(['get', 'wg', '-o', 'wide']), /^NAME\s+SIZE\s+COLOR\nw1\s+3\s+red$/m);
  assert.match(fails(['patch', 'widget', 'w1', '--type=merge', '-p', '{"spec":{"color":"green"}}']), /spec\.color: Unsupported value: "green"/);
  assert.match(fails(['patch', 'widget', 'w1', '--type=merge', '-p', '{"spec":{"size":0}}']), /spec\.size: Invalid value: 0/);
  assert.match(fails(['apply', '-f', '-'], widget('w2', ', bogus: 1')), /unknown field "spec\.bogus"/);
  assert.match(fails(['patch', 'widget', 'w1', '-p', '{"spec":{"size":4}}']), /strategic merge patch is not supported/);
});

test('status and scale subresources of a custom resource', () => {
  assert.match(ok(['scale', 'widget', 'w1', '--replicas=4']), /scaled/);
  assert.equal(ok(['get', 'widget', 'w1', '-o', 'jsonpath={.spec.replicas}']), '4');
  ok(['patch', 'widget', 'w1', '--subresource=status', '--type=merge', '-p', '{"status":{"replicas":4}}']);
  assert.equal(ok(['get', 'widget', 'w1', '-o', 'jsonpath={.status.replicas}']), '4');
  ok(['patch', 'widget', 'w1', '--type=merge', '-p', '{"status":{"replicas":9}}']);
  assert.equal(ok(['get', 'widget', 'w1', '-o', 'jsonpath={.status.replicas}']), '4', 'main resource writes keep status');
});

test('deleting the CRD removes its resources and its API', async () => {
  ok(['delete', 'crd', 'widgets.example.com']);
  assert.match(fails(['get', 'widgets']), /the server doesn't have a resource type "widgets"|could not find the requested resource/);
  ok(['apply', '-f', '-'], crd);
  const end = Date.now() + 10_000;
  let out = '';
  while (Date.now() < end) {
    const r = s.kubectl(['get', 'widgets', '-o', 'jsonpath={.items[*].metadata.name}']);
    out = r.stdout + r.stderr;
    if (r.code === 0) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(out.trim(), '', 'the old widget is gone');
});
