import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkAgainstSchema, type Schema } from './schema.js';

const schema: Schema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['name'],
      properties: {
        name: { type: 'string' },
        size: { type: 'integer', minimum: 1, default: 3 },
        mode: { type: 'string', enum: ['a', 'b'] },
        port: { 'x-kubernetes-int-or-string': true },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        tags: { type: 'object', additionalProperties: { type: 'string' } },
      },
    },
  },
};

test('defaults fill missing fields; unknown fields are removed and reported; preserved subtrees kept', () => {
  const o = { spec: { name: 'x', extra: 1, free: { anything: [1] }, tags: { k: 'v' }, port: 'http' }, bogus: true };
  const r = checkAgainstSchema(o, schema);
  assert.deepEqual(r.unknownFields.sort(), ['bogus', 'spec.extra']);
  assert.deepEqual(o, { spec: { name: 'x', free: { anything: [1] }, tags: { k: 'v' }, port: 'http', size: 3 } });
  assert.deepEqual(r.causes, []);
  assert.deepEqual(r.typeErrors, []);
});

test('type errors, enums, bounds and required fields carry their field paths', () => {
  const r = checkAgainstSchema({ spec: { size: 0, mode: 'c', tags: { k: 1 }, port: 1.5 } }, schema);
  assert.deepEqual(r.typeErrors.map((c) => c.field).sort(), ['spec.port', 'spec.tags.k']);
  assert.deepEqual(r.causes.map((c) => `${c.field} ${c.reason}`).sort(), ['spec.mode FieldValueNotSupported', 'spec.name FieldValueRequired', 'spec.size FieldValueInvalid']);
});

test('nulls are dropped like Go decoding would', () => {
  const o = { spec: { name: 'x', mode: null } };
  checkAgainstSchema(o, schema);
  assert.deepEqual(o.spec, { name: 'x', size: 3 });
});
