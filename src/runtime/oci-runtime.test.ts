import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSignal } from './oci-runtime.js';

test('signals in Docker\'s forms', () => {
  assert.equal(parseSignal('SIGKILL'), 'KILL');
  assert.equal(parseSignal('term'), 'TERM');
  assert.equal(parseSignal(9), '9');
  assert.equal(parseSignal('RTMIN+3'), '37');
  assert.equal(parseSignal('SIGRTMAX'), '64');
  assert.throws(() => parseSignal('FOO'), { message: 'Invalid signal: FOO' });
  assert.throws(() => parseSignal(0), /Invalid signal/);
  assert.throws(() => parseSignal('65'), /Invalid signal/);
});
