import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerRecord } from './container-record.js';
import { restartDelay, restartOnDaemonStart } from './restart-policy.js';

function rec(policy: string, extra: Partial<ContainerRecord> = {}, max = 0): ContainerRecord {
  return { id: 'c1', hostConfig: { RestartPolicy: { Name: policy, MaximumRetryCount: max } }, manuallyStopped: false, hasBeenStarted: true, restartCount: 0, ...extra } as ContainerRecord;
}

test('policies decide whether an exit restarts', () => {
  assert.equal(restartDelay(rec('no'), 1, 0, new Map()), undefined);
  assert.equal(restartDelay(rec('on-failure'), 0, 0, new Map()), undefined);
  assert.equal(restartDelay(rec('on-failure'), 2, 0, new Map()), 100);
  assert.equal(restartDelay(rec('on-failure', { restartCount: 3 }, 3), 2, 0, new Map()), undefined);
  assert.equal(restartDelay(rec('always'), 0, 0, new Map()), 100);
  assert.equal(restartDelay(rec('always', { manuallyStopped: true }), 0, 0, new Map()), undefined);
});

test('back-off doubles and resets after a long run', () => {
  const b = new Map<string, number>();
  assert.deepEqual([1, 2, 3, 4].map(() => restartDelay(rec('always'), 1, 0, b)), [100, 200, 400, 800]);
  assert.equal(restartDelay(rec('always'), 1, 60_000, b), 100);
});

test('on daemon start: always even after a manual stop, unless-stopped only if not stopped by the user', () => {
  assert.equal(restartOnDaemonStart(rec('always', { manuallyStopped: true })), true);
  assert.equal(restartOnDaemonStart(rec('unless-stopped', { manuallyStopped: true })), false);
  assert.equal(restartOnDaemonStart(rec('unless-stopped')), true);
  assert.equal(restartOnDaemonStart(rec('on-failure')), false);
});
