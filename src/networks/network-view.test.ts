import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchesListFilters, matchesPruneFilters } from './network-view.js';
import type { NetworkRecord } from './types.js';

const net = (over: Partial<NetworkRecord>): NetworkRecord => ({
  id: 'abc123', name: 'front', driver: 'bridge', created: '2026-01-01T00:00:00.000Z', internal: false, attachable: false,
  labels: { tier: 'web', env: 'prod' }, options: {}, ipamConfig: [], ipamOptions: {}, ipMasq: false, ...over,
});

test('list filters as dockerd: name substring, id prefix, label, driver, type, dangling; unknown filter is an error', () => {
  const n = net({});
  assert.ok(matchesListFilters(n, false, { name: ['ron'] }));
  assert.ok(matchesListFilters(n, false, { id: ['abc'] }));
  assert.ok(!matchesListFilters(n, false, { id: ['bc'] }));
  assert.ok(matchesListFilters(n, false, { label: ['tier=web', 'env'] }));
  assert.ok(!matchesListFilters(n, false, { label: ['tier=db'] }));
  assert.ok(matchesListFilters(n, false, { type: ['custom'], driver: ['bridge'] }));
  assert.ok(!matchesListFilters(net({ name: 'bridge', isDefault: true }), false, { type: ['custom'] }));
  assert.ok(matchesListFilters(net({ name: 'host', driver: 'host' }), false, { type: ['builtin'] }));
  assert.ok(matchesListFilters(n, false, { dangling: ['true'] }));
  assert.ok(!matchesListFilters(n, true, { dangling: ['true'] }));
  assert.throws(() => matchesListFilters(n, false, { color: ['red'] }), { message: "Invalid filter 'color'" });
});

test('prune filters: until and label/label!', () => {
  const n = net({});
  const now = Date.parse('2026-01-02T00:00:00Z');
  assert.ok(matchesPruneFilters(n, { until: ['1h'] }, now));
  assert.ok(!matchesPruneFilters(n, { until: ['48h'] }, now));
  assert.ok(matchesPruneFilters(n, { until: ['2026-01-01T12:00:00Z'] }, now));
  assert.ok(!matchesPruneFilters(n, { 'label!': ['env=prod'] }, now));
  assert.ok(matchesPruneFilters(n, { label: ['tier'] }, now));
  assert.throws(() => matchesPruneFilters(n, { dangling: ['true'] }), /Invalid filter 'dangling'/);
});
