import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WharfError } from '../common/errors.js';
import { effectiveSwap, planUpdate } from './update-plan.js';
import type { VerifiedUpdate } from './update-validation.js';

const MiB = 1 << 20;
const swap = { swapLimit: true };
const upd = (changes: VerifiedUpdate['changes'], restartPolicy?: VerifiedUpdate['restartPolicy']): VerifiedUpdate => ({ changes, restartPolicy, warnings: [] });

function conflicts(current: Record<string, unknown>, u: VerifiedUpdate, message: string): void {
  assert.throws(() => planUpdate(current, u, swap), (e: unknown) => e instanceof WharfError && e.kind === 'conflict' && e.message === message);
}

test('a memory limit above the memory+swap in force needs a new memory+swap, as in dockerd', () => {
  const msg = 'Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time';
  conflicts({ Memory: 0, MemorySwap: 0 }, upd({ Memory: 100 * MiB }), msg);
  conflicts({ Memory: 100 * MiB, MemorySwap: 0 }, upd({ Memory: 250 * MiB }), msg); // default swap: 2 x memory
  conflicts({ Memory: 100 * MiB, MemorySwap: -1 }, upd({ Memory: 300 * MiB }), msg);
  const ok = planUpdate({ Memory: 0, MemorySwap: 0 }, upd({ Memory: 100 * MiB, MemorySwap: 200 * MiB }), swap);
  assert.equal(ok.hostConfig.Memory, 100 * MiB);
  assert.equal(ok.hostConfig.MemorySwap, 200 * MiB);
  assert.deepEqual(ok.live, { memory: 100 * MiB, memorySwap: 200 * MiB, memoryReservation: undefined, cpuShares: undefined, cpuPeriod: undefined, cpuQuota: undefined, cpuRealtimePeriod: undefined, cpuRealtimeRuntime: undefined, cpusetCpus: undefined, cpusetMems: undefined, pidsLimit: undefined, blkioWeight: undefined });
});

test('the default memory+swap in force is recorded when only memory changes, so a restart keeps it', () => {
  const p = planUpdate({ Memory: 100 * MiB, MemorySwap: 0 }, upd({ Memory: 150 * MiB }), swap);
  assert.equal(p.hostConfig.Memory, 150 * MiB);
  assert.equal(p.hostConfig.MemorySwap, 200 * MiB);
  assert.equal(p.live.memorySwap, undefined, 'the cgroup keeps its memory+swap');
  assert.equal(effectiveSwap({ Memory: 100 * MiB }, { swapLimit: false }), -1);
  assert.equal(effectiveSwap({}, swap), 0);
});

test('NanoCpus and an explicit CFS period/quota exclude each other across updates', () => {
  conflicts({ CpuPeriod: 50000 }, upd({ NanoCpus: 1e9 }), 'Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set');
  conflicts({ CpuQuota: 50000 }, upd({ NanoCpus: 1e9 }), 'Conflicting options: Nano CPUs cannot be updated as CPU Quota has already been set');
  conflicts({ NanoCpus: 1e9 }, upd({ CpuPeriod: 50000 }), 'Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set');
  conflicts({ NanoCpus: 1e9 }, upd({ CpuQuota: 50000 }), 'Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set');
  const p = planUpdate({ NanoCpus: 2e9 }, upd({ NanoCpus: 5e8 }), swap);
  assert.equal(p.hostConfig.NanoCpus, 5e8);
  assert.equal(p.live.cpuPeriod, 100000);
  assert.equal(p.live.cpuQuota, 50000);
});

test('pids, cpusets, shares, reservation and restart policy are stored; the current HostConfig is left alone', () => {
  const current = { PidsLimit: 20, RestartPolicy: { Name: 'no', MaximumRetryCount: 0 }, AutoRemove: false };
  const p = planUpdate(current, upd({ PidsLimit: -1, CpusetCpus: '1', CpusetMems: '0', CpuShares: 512, MemoryReservation: 50 * MiB }, { Name: 'always', MaximumRetryCount: 0 }), swap);
  assert.equal(p.hostConfig.PidsLimit, 0);
  assert.equal(p.live.pidsLimit, -1);
  assert.equal(p.hostConfig.CpusetCpus, '1');
  assert.equal(p.hostConfig.CpuShares, 512);
  assert.equal(p.hostConfig.MemoryReservation, 50 * MiB);
  assert.deepEqual(p.hostConfig.RestartPolicy, { Name: 'always', MaximumRetryCount: 0 });
  assert.equal(current.PidsLimit, 20);
  assert.deepEqual(current.RestartPolicy, { Name: 'no', MaximumRetryCount: 0 });
});

test('an auto-removed container keeps "no" as its restart policy', () => {
  conflicts({ AutoRemove: true }, upd({}, { Name: 'always', MaximumRetryCount: 0 }), 'Restart policy cannot be updated because AutoRemove is enabled for the container');
  assert.deepEqual(planUpdate({ AutoRemove: true }, upd({}, { Name: 'no', MaximumRetryCount: 0 }), swap).hostConfig.RestartPolicy, { Name: 'no', MaximumRetryCount: 0 });
});
