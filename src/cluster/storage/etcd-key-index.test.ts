import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyIndex } from './etcd-key-index.js';

/** The reference: the (n + 1)-th key >= start in a plain sorted array. */
const endAfter = (sorted: string[], start: string, n: number): string | undefined => sorted.filter((k) => k >= start)[n];

test('the index answers like a sorted array through loads, adds, deletes and chunk splits', () => {
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const key = (i: number): string => `/registry/core/configmaps/ns-${i % 7}/obj-${i}`;
  const model = new Set<string>();
  for (let i = 0; i < 3000; i += 2) model.add(key(i));
  const index = new KeyIndex();
  index.reset([...model].sort());
  for (let step = 0; step < 6000; step++) {
    const k = key(rand(4000));
    if (rand(3) === 0) {
      model.delete(k);
      index.delete(k);
    } else {
      model.add(k);
      index.add(k);
    }
    if (step % 500 === 0 || step === 5999) {
      const sorted = [...model].sort();
      assert.equal(index.size, sorted.length);
      for (const start of ['', '/registry/core/configmaps/ns-3/', key(rand(4000)), key(rand(4000)) + '\0', '/registry/core/configmaps/ns-9'])
        for (const n of [0, 1, 7, 511, 512, 513, 1500, 5000]) assert.equal(index.endAfter(start, n), endAfter(sorted, start, n), `endAfter(${start}, ${n})`);
    }
  }
});

test('an empty index knows no end; adding the same key twice or deleting a missing one changes nothing', () => {
  const index = new KeyIndex();
  assert.equal(index.endAfter('', 0), undefined);
  index.delete('/a');
  index.add('/b');
  index.add('/b');
  index.add('/a');
  assert.equal(index.size, 2);
  assert.equal(index.endAfter('', 1), '/b');
  assert.equal(index.endAfter('/a\0', 0), '/b');
  assert.equal(index.endAfter('/a\0', 1), undefined);
  index.delete('/a');
  index.delete('/a');
  index.delete('/b');
  assert.equal(index.size, 0);
  index.add('/c');
  assert.equal(index.endAfter('', 0), '/c');
});
