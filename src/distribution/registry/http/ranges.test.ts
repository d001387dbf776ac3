import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRange } from './blobs.js';
import { paginate } from './context.js';

test('Range headers: spans, open ends, suffixes, and unsatisfiable ones', () => {
  assert.equal(parseRange(undefined, 100), undefined);
  assert.deepEqual(parseRange('bytes=0-9', 100), [0, 9]);
  assert.deepEqual(parseRange('bytes=90-', 100), [90, 99]);
  assert.deepEqual(parseRange('bytes=90-500', 100), [90, 99]);
  assert.deepEqual(parseRange('bytes=-10', 100), [90, 99]);
  assert.deepEqual(parseRange('bytes=-500', 100), [0, 99]);
  assert.equal(parseRange('bytes=0-1,5-6', 100), undefined, 'several ranges: whole blob');
  assert.equal(parseRange('bytes=100-', 100), 'unsatisfiable');
  assert.equal(parseRange('bytes=9-3', 100), 'unsatisfiable');
  assert.equal(parseRange('bytes=-', 100), 'unsatisfiable');
  assert.equal(parseRange('bytes=-0', 100), 'unsatisfiable');
  assert.equal(parseRange('items=0-1', 100), undefined);
});

test('pagination: n items after last, with a Link while more remain', () => {
  const all = ['a', 'b', 'c', 'd'];
  assert.deepEqual(paginate(all, {}, '/l'), { items: all });
  assert.deepEqual(paginate(all, { n: 2 }, '/l'), { items: ['a', 'b'], link: '</l?n=2&last=b>; rel="next"' });
  assert.deepEqual(paginate(all, { n: 2, last: 'b' }, '/l'), { items: ['c', 'd'] });
  assert.deepEqual(paginate(all, { last: 'a' }, '/l'), { items: ['b', 'c', 'd'] });
  assert.deepEqual(paginate(all, { n: 0 }, '/l'), { items: [] });
});
