import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WharfError } from '../common/errors.js';
import { parseSignal } from './signals.js';

test('signals parse by name, short name and number; bad ones are 400 "Invalid signal"', () => {
  assert.equal(parseSignal('TERM'), 'SIGTERM');
  assert.equal(parseSignal('sigkill'), 'SIGKILL');
  assert.equal(parseSignal('9'), 'SIGKILL');
  assert.equal(parseSignal(undefined, 'SIGINT'), 'SIGINT');
  assert.throws(() => parseSignal('NOPE'), (e: unknown) => e instanceof WharfError && e.message === 'Invalid signal: NOPE');
});
