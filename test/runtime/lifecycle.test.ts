import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { RuntimeFixture } from './fixture.js';

let fx: RuntimeFixture;
before(async () => {
  fx = await RuntimeFixture.create();
});
after(async () => {
  const leaks = await fx.cleanup();
  assert.deepEqual(leaks, []);
});

test('echo hi: output in the log, exit code 0', async () => {
  const r = await fx.run({ args: ['echo', 'hi'] });
  assert.equal(r.code, 0);
  assert.equal(r.stdout, 'hi\n');
  assert.equal(r.stderr, '');
});
