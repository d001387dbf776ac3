import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WharfError } from '../common/errors.js';
import type { HostResources } from '../runtime/host-resources.js';
import { parseCpuList, verifyUpdate } from './update-validation.js';

const host: HostResources = { ncpu: 2, cpus: '0-1', mems: '0', swapLimit: true, blkioWeight: true, cpuRealtime: true };

function rejects(body: Record<string, unknown>, message: string, h: HostResources = host): void {
  assert.throws(() => verifyUpdate(body, h), (e: unknown) => {
    assert.ok(e instanceof WharfError);
    assert.equal(e.kind, 'invalid-parameter');
    assert.equal(e.message, message);
    return true;
  });
}

test("the CLI's zero values and an empty restart policy change nothing", () => {
  const body = {
    CpuShares: 0, Memory: 0, NanoCpus: 0, BlkioWeight: 0, CpuPeriod: 0, CpuQuota: 0, CpusetCpus: '', CpusetMems: '',
    MemoryReservation: 0, MemorySwap: 0, PidsLimit: null, RestartPolicy: { Name: '', MaximumRetryCount: 0 },
  };
  assert.deepEqual(verifyUpdate(body, host), { changes: {}, warnings: [] });
});

test('named settings become changes; a negative pids limit means unlimited', () => {
  const v = verifyUpdate({ Memory: 100 << 20, MemorySwap: -1, NanoCpus: 5e8, CpusetCpus: '0-1', CpusetMems: '0', PidsLimit: -5, BlkioWeight: 300, RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 } }, host);
  assert.deepEqual(v.changes, { Memory: 100 << 20, MemorySwap: -1, NanoCpus: 5e8, CpusetCpus: '0-1', CpusetMems: '0', PidsLimit: -1, BlkioWeight: 300 });
  assert.deepEqual(v.restartPolicy, { Name: 'on-failure', MaximumRetryCount: 2 });
});

test("dockerd's 400 messages for out-of-range resources", () => {
  rejects({ Memory: 1024 }, 'Minimum memory limit allowed is 6MB');
  rejects({ Memory: 100 << 20, MemorySwap: 50 << 20 }, 'Minimum memoryswap limit should be larger than memory limit, see usage');
  rejects({ MemoryReservation: 1 << 20 }, 'Minimum memory reservation allowed is 6MB');
  rejects({ Memory: 10 << 20, MemoryReservation: 20 << 20 }, 'Minimum memory limit can not be less than memory reservation limit, see usage');
  rejects({ NanoCpus: 1e9, CpuPeriod: 50000 }, 'Conflicting options: Nano CPUs and CPU Period cannot both be set');
  rejects({ NanoCpus: 1e9, CpuQuota: 50000 }, 'Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  rejects({ NanoCpus: 3e9 }, 'Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available');
  rejects({ CpuPeriod: 500 }, 'CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  rejects({ CpuQuota: 500 }, 'CPU cfs quota can not be less than 1ms (i.e. 1000)');
  rejects({ CpusetCpus: '5' }, 'Requested CPUs are not available - requested 5, available: 0-1');
  rejects({ CpusetCpus: 'abc' }, 'Invalid value abc for cpuset cpus: invalid format: abc');
  rejects({ CpusetMems: '3' }, 'Requested memory nodes are not available - requested 3, available: 0');
  rejects({ BlkioWeight: 5 }, 'Range of blkio weight is from 10 to 1000');
  rejects({ RestartPolicy: { Name: 'bogus' } }, "invalid restart policy: unknown policy 'bogus'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'");
});

test('bad JSON types are a 400 naming the field, not a crash', () => {
  rejects({ Memory: 'x' }, 'json: cannot unmarshal string into Go struct field UpdateConfig.Memory of type int64');
  rejects({ Memory: 1.5 }, 'json: cannot unmarshal number 1.5 into Go struct field UpdateConfig.Memory of type int64');
  rejects({ BlkioWeight: -1 }, 'json: cannot unmarshal number -1 into Go struct field UpdateConfig.BlkioWeight of type uint16');
  rejects({ CpusetCpus: 5 }, 'json: cannot unmarshal number 5 into Go struct field UpdateConfig.CpusetCpus of type string');
  rejects({ RestartPolicy: 'always' }, 'json: cannot unmarshal string into Go struct field UpdateConfig.RestartPolicy of type container.RestartPolicy');
});

test("what the host cannot limit is dropped with dockerd's warnings", () => {
  const poor = { ...host, swapLimit: false, blkioWeight: false };
  const v = verifyUpdate({ Memory: 100 << 20, BlkioWeight: 5 }, poor);
  assert.deepEqual(v.changes, { Memory: 100 << 20, MemorySwap: -1 });
  assert.deepEqual(v.warnings, [
    'Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.',
    'Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.',
  ]);
});

test('cpuset lists', () => {
  assert.deepEqual(parseCpuList('0-2,4'), [[0, 2], [4, 4]]);
  assert.equal(parseCpuList('2-1'), undefined);
  assert.equal(parseCpuList('1,,2'), undefined);
  rejects({ CpusetCpus: '0-99999999' }, 'Requested CPUs are not available - requested 0-99999999, available: 0-1');
});

test('real-time budget: runtime above period is a 400; dropped with dockerd\'s warning where the kernel has none', () => {
  rejects({ CpuRealtimePeriod: 1000, CpuRealtimeRuntime: 2000 }, 'cpu real-time runtime cannot be higher than cpu real-time period');
  assert.deepEqual(verifyUpdate({ CpuRealtimePeriod: 1000000, CpuRealtimeRuntime: 2000 }, host).changes, { CpuRealtimePeriod: 1000000, CpuRealtimeRuntime: 2000 });
  const none = verifyUpdate({ CpuRealtimeRuntime: 2000 }, { ...host, cpuRealtime: false });
  assert.deepEqual(none.changes, {});
  assert.deepEqual(none.warnings, ['Your kernel does not support CPU real-time scheduler']);
});
