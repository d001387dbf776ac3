import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recordUpdate, serverSideApply } from './managed-fields.js';
import type { KObject } from './object.js';
import type { Schema } from './schema.js';
import { ApiError } from './status.js';

const schema: Schema = {
  type: 'object',
  properties: {
    metadata: { type: 'object', properties: { labels: { type: 'object', additionalProperties: { type: 'string' } } } },
    spec: {
      type: 'object',
      properties: {
        replicas: { type: 'integer' },
        containers: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: { type: 'object', properties: { name: { type: 'string' }, image: { type: 'string' } } },
        },
      },
    },
  },
};
const id = (manager: string) => ({ manager, apiVersion: 'v1' });

test('apply creates, then removes fields the manager stops applying', () => {
  const applied: KObject = { apiVersion: 'v1', kind: 'X', metadata: { name: 'a', labels: { x: '1', y: '2' } }, spec: { replicas: 2 } };
  const created = serverSideApply(undefined, applied, schema, id('m1'), { force: false });
  assert.deepEqual(created.metadata.labels, { x: '1', y: '2' });
  assert.equal(created.metadata.managedFields?.[0].manager, 'm1');
  assert.ok('f:replicas' in (created.metadata.managedFields![0].fieldsV1['f:spec'] ?? {}));
  const again = serverSideApply(created, { apiVersion: 'v1', kind: 'X', metadata: { name: 'a', labels: { x: '1' } } }, schema, id('m1'), { force: false });
  assert.deepEqual(again.metadata.labels, { x: '1' });
  assert.equal((again.spec as Record<string, unknown> | undefined)?.replicas, undefined);
});

test('apply conflicts with another manager unless forced; shared equal values are fine', () => {
  const base = serverSideApply(undefined, { metadata: { name: 'a' }, spec: { replicas: 2, containers: [{ name: 'c', image: 'i1' }] } } as KObject, schema, id('m1'), { force: false });
  const same = serverSideApply(base, { metadata: { name: 'a' }, spec: { replicas: 2 } } as KObject, schema, id('m2'), { force: false });
  assert.equal(same.metadata.managedFields?.length, 2);
  assert.throws(
    () => serverSideApply(base, { metadata: { name: 'a' }, spec: { containers: [{ name: 'c', image: 'i2' }] } } as KObject, schema, id('m2'), { force: false }),
    (e: unknown) => e instanceof ApiError && e.code === 409 && /conflict with "m1"/.test(e.message) && e.details?.causes?.[0].field === '.spec.containers[name="c"].image',
  );
  const forced = serverSideApply(base, { metadata: { name: 'a' }, spec: { containers: [{ name: 'c', image: 'i2' }] } } as KObject, schema, id('m2'), { force: true });
  assert.deepEqual((forced.spec as { containers: unknown[] }).containers, [{ name: 'c', image: 'i2' }]);
});

test('an update takes the fields it changes from other managers', () => {
  const base = serverSideApply(undefined, { metadata: { name: 'a' }, spec: { replicas: 2 } } as KObject, schema, id('m1'), { force: false });
  const next = structuredClone(base);
  (next.spec as { replicas: number }).replicas = 5;
  recordUpdate(base, next, schema, id('scaler'));
  const managers = next.metadata.managedFields!.map((e) => `${e.manager}/${e.operation}`);
  assert.deepEqual(managers, ['scaler/Update']);
});
