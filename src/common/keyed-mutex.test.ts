import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { KeyedMutex } from './keyed-mutex.js';

test('KeyedMutex runs work on one key in turn and keys independently', async () => {
  const m = new KeyedMutex();
  const order: string[] = [];
  const a1 = m.run('a', async () => { order.push('a1-start'); await sleep(30); order.push('a1-end'); });
  const a2 = m.run('a', async () => { order.push('a2'); });
  const b1 = m.run('b', async () => { order.push('b1'); });
  await Promise.all([a1, a2, b1]);
  assert.deepEqual(order.filter((x) => x.startsWith('a')), ['a1-start', 'a1-end', 'a2']);
  assert.ok(order.indexOf('b1') < order.indexOf('a1-end'), 'b does not wait for a');
});

test('KeyedMutex keeps going after a failure', async () => {
  const m = new KeyedMutex();
  await assert.rejects(m.run('k', async () => { throw new Error('boom'); }), /boom/);
  assert.equal(await m.run('k', async () => 42), 42);
});
