import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchLabels, parseLabelSelector, parseFieldSelector, matchFields, labelSelectorText } from './selectors.js';
import { ApiError } from './status.js';

test('label selector: equality, set, existence and negation', () => {
  const r = parseLabelSelector('app=web, tier in (a, b),env!=prod,track,!legacy');
  assert.equal(r.length, 5);
  assert.ok(matchLabels(r, { app: 'web', tier: 'b', env: 'dev', track: 'x' }));
  assert.ok(!matchLabels(r, { app: 'web', tier: 'c', env: 'dev', track: 'x' }));
  assert.ok(!matchLabels(r, { app: 'web', tier: 'a', env: 'prod', track: 'x' }));
  assert.ok(!matchLabels(r, { app: 'web', tier: 'a', track: 'x', legacy: '1' }));
  assert.ok(!matchLabels(r, { app: 'web', tier: 'a' }));
  assert.ok(matchLabels(parseLabelSelector('a notin (x)'), {}));
});

test('label selector: garbage is a 400 BadRequest', () => {
  assert.throws(() => parseLabelSelector('a=b;c'), (e: unknown) => e instanceof ApiError && e.code === 400);
});

test('field selector and LabelSelector text', () => {
  const f = parseFieldSelector('metadata.name=x,status.phase!=Running');
  assert.ok(matchFields(f, { 'metadata.name': 'x', 'status.phase': 'Pending' }));
  assert.ok(!matchFields(f, { 'metadata.name': 'x', 'status.phase': 'Running' }));
  assert.equal(labelSelectorText({ matchLabels: { app: 'x' }, matchExpressions: [{ key: 't', operator: 'In', values: ['a', 'b'] }] }), 'app=x,t in (a,b)');
});
