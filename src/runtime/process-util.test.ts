import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { isAlive, isMonitorOf, waitGone } from './process-util.js';

test('a running process is alive; after it exits it is gone', async () => {
  assert.equal(isAlive(process.pid), true);
  const child = spawn('sleep', ['0.2']);
  assert.equal(isAlive(child.pid!), true);
  assert.equal(await waitGone(child.pid!, 5000), true);
  assert.equal(isAlive(2 ** 22 + 12345), false);
});

test('a reused pid is not taken for a container\'s monitor', () => {
  assert.equal(isMonitorOf(process.pid, 'some-container'), false);
  assert.equal(isMonitorOf(0, 'x'), false);
});
