import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from './patch.js';
import type { Schema } from './schema.js';
import { ApiError } from './status.js';

test('json patch: add, replace, remove, move, copy, test', () => {
  const doc = { a: { b: 1 }, l: [1, 2] };
  const out = applyJsonPatch(doc, [
    { op: 'add', path: '/a/c', value: 2 },
    { op: 'replace', path: '/a/b', value: 5 },
    { op: 'add', path: '/l/-', value: 3 },
    { op: 'remove', path: '/l/0' },
    { op: 'copy', from: '/a/b', path: '/d' },
    { op: 'move', from: '/d', path: '/e' },
    { op: 'test', path: '/e', value: 5 },
  ]);
  assert.deepEqual(out, { a: { b: 5, c: 2 }, l: [2, 3], e: 5 });
  assert.deepEqual(doc, { a: { b: 1 }, l: [1, 2] }, 'input untouched');
  assert.throws(() => applyJsonPatch(doc, [{ op: 'test', path: '/a/b', value: 9 }]), (e: unknown) => e instanceof ApiError && e.code === 422);
  assert.throws(() => applyJsonPatch(doc, [{ op: 'remove', path: '/zz' }]), (e: unknown) => e instanceof ApiError);
});

test('merge patch: nulls delete, objects merge, lists replace', () => {
  assert.deepEqual(applyMergePatch({ a: 1, b: { c: 1, d: 2 }, l: [1] }, { a: null, b: { c: 3 }, l: [2] }), { b: { c: 3, d: 2 }, l: [2] });
});

test('strategic merge patch: lists merge by key, $patch delete, primitive sets, element order', () => {
  const schema: Schema = {
    type: 'object',
    properties: {
      containers: {
        type: 'array',
        'x-kubernetes-patch-merge-key': 'name',
        'x-kubernetes-patch-strategy': 'merge',
        items: { type: 'object', properties: { name: { type: 'string' }, image: { type: 'string' } } },
      },
      finalizers: { type: 'array', 'x-kubernetes-patch-strategy': 'merge', items: { type: 'string' } },
      args: { type: 'array', items: { type: 'string' } },
    },
  };
  const orig = { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }], finalizers: ['f1'], args: ['1'] };
  const out = applyStrategicMergePatch(
    orig,
    {
      containers: [{ name: 'b', image: 'z' }, { name: 'a', $patch: 'delete' }, { name: 'c', image: 'w' }],
      finalizers: ['f2'],
      args: ['2'],
      '$setElementOrder/containers': [{ name: 'c' }, { name: 'b' }],
    },
    schema,
  );
  assert.deepEqual(out, { containers: [{ name: 'c', image: 'w' }, { name: 'b', image: 'z' }], finalizers: ['f1', 'f2'], args: ['2'] });
  assert.deepEqual(applyStrategicMergePatch({ a: { b: 1 } }, { a: { $patch: 'replace', c: 2 } }, undefined), { a: { c: 2 } });
});
