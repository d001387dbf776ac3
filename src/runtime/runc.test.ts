import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanRuncMessage } from './runc.js';

test('keeps the message of runc\'s logrus error lines', () => {
  const stderr = 'time="2024-01-01T00:00:00Z" level=warning msg="x"\ntime="2024-01-01T00:00:00Z" level=error msg="runc create failed: exec: \\"nope\\": executable file not found in $PATH"\n';
  assert.equal(cleanRuncMessage(stderr), 'runc create failed: exec: "nope": executable file not found in $PATH');
});

test('plain text passes through', () => {
  assert.equal(cleanRuncMessage('container "x" does not exist\n'), 'container "x" does not exist');
});
