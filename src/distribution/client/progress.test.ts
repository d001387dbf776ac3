import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eachLimited, humanSize, progressBar, shortId } from './progress.js';

test('docker-style sizes, bars and short IDs', () => {
  assert.equal(humanSize(999), '999B');
  assert.equal(humanSize(1_234_567), '1.23MB');
  assert.equal(progressBar(0, 100, 10), '[>         ]       0B/100B');
  assert.equal(progressBar(100, 100, 10), '[==========]     100B/100B');
  assert.equal(shortId('sha256:0123456789abcdef'), '0123456789ab');
});

test('eachLimited never runs more than the limit at once and reports the first failure', async () => {
  let running = 0;
  let peak = 0;
  await eachLimited([1, 2, 3, 4, 5, 6, 7], 3, async () => {
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, 5));
    running--;
  });
  assert.equal(peak, 3);
  await assert.rejects(eachLimited([1, 2, 3], 2, async (n) => {
    if (n === 2) throw new Error('boom');
  }), /boom/);
});
