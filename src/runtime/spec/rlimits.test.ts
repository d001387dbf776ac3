import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRlimits, hostHardLimits } from './rlimits.js';

const limits = `Limit                     Soft Limit           Hard Limit           Units
Max open files            20000                20000                files
Max processes             96551                96551                processes
Max core file size        0                    unlimited            bytes
`;

test('reads the host hard limits', () => {
  const h = hostHardLimits(limits);
  assert.equal(h.get('nofile'), 20000);
  assert.equal(h.get('nproc'), 96551);
  assert.equal(h.get('core'), Infinity);
});

test('the default open-file limit is clamped to the host hard limit', () => {
  assert.deepEqual(buildRlimits([], hostHardLimits(limits)), [{ type: 'RLIMIT_NOFILE', hard: 20000, soft: 20000 }]);
});

test('ulimits are clamped; -1 means as much as the host allows', () => {
  const r = buildRlimits(
    [{ Name: 'nofile', Soft: 1024, Hard: 1048576 }, { Name: 'nproc', Soft: -1, Hard: -1 }, { Name: 'core', Soft: -1, Hard: -1 }],
    hostHardLimits(limits),
  );
  assert.deepEqual(r, [
    { type: 'RLIMIT_NOFILE', hard: 20000, soft: 1024 },
    { type: 'RLIMIT_NPROC', hard: 96551, soft: 96551 },
  ]);
});

test('bad ulimits are refused', () => {
  assert.throws(() => buildRlimits([{ Name: 'bogus', Soft: 1, Hard: 1 }]), /invalid ulimit type: bogus/);
  assert.throws(() => buildRlimits([{ Name: 'nofile', Soft: 10, Hard: 5 }]), /soft limit must be less than or equal to hard limit/);
});
