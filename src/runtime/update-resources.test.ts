import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WharfError } from '../common/errors.js';
import { blkioWeightSupported, hostResources } from './host-resources.js';
import { RuncError } from './runc.js';
import { runcUpdateArgs, updateFailure } from './update-resources.js';

test('runc update flags name only what changes; -1 lifts a limit', () => {
  assert.deepEqual(runcUpdateArgs({}, { swapLimit: true }), []);
  assert.deepEqual(
    runcUpdateArgs({ memory: 104857600, memorySwap: -1, memoryReservation: 52428800, cpuShares: 512, cpuPeriod: 100000, cpuQuota: 50000, cpusetCpus: '1', cpusetMems: '0', pidsLimit: -1, blkioWeight: 300 }, { swapLimit: true }),
    ['--memory', '104857600', '--memory-swap', '-1', '--memory-reservation', '52428800', '--cpu-share', '512', '--cpu-period', '100000', '--cpu-quota', '50000',
      '--cpuset-cpus', '1', '--cpuset-mems', '0', '--pids-limit', '-1', '--blkio-weight', '300'],
  );
  assert.deepEqual(runcUpdateArgs({ memory: 104857600, memorySwap: 209715200 }, { swapLimit: false }), ['--memory', '104857600']);
});

test("runc's refusals: a stopped or missing container versus a limit the kernel refuses", () => {
  const stopped = updateFailure('c1', new RuncError('update', 'time="x" level=error msg="container not running"'));
  assert.ok(stopped instanceof WharfError && stopped.kind === 'conflict');
  const gone = updateFailure('c1', new RuncError('update', 'container does not exist'));
  assert.ok(gone instanceof WharfError && gone.kind === 'not-found');
  const busy = updateFailure('c1', new RuncError('update', 'time="x" level=error msg="unable to set memory limit to 10485760 (current usage: 42369024, peak usage: 43753472)"'));
  assert.ok(busy instanceof WharfError && busy.kind === 'internal');
  assert.equal(busy.message, 'unable to set memory limit to 10485760 (current usage: 42369024, peak usage: 43753472)');
});

test('block I/O weight support: v1 blkio.weight, v2 the io controller', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-blkio-'));
  try {
    mkdirSync(join(dir, 'v1', 'blkio'), { recursive: true });
    writeFileSync(join(dir, 'v1', 'blkio', 'blkio.bfq.weight'), '100');
    assert.equal(blkioWeightSupported({ version: 1, root: join(dir, 'v1'), swapLimit: true }), false, 'BFQ alone does not count, as for dockerd');
    writeFileSync(join(dir, 'v1', 'blkio', 'blkio.weight'), '500');
    assert.equal(blkioWeightSupported({ version: 1, root: join(dir, 'v1'), swapLimit: true }), true);
    mkdirSync(join(dir, 'v2'));
    writeFileSync(join(dir, 'v2', 'cgroup.controllers'), 'cpuset cpu memory pids\n');
    assert.equal(blkioWeightSupported({ version: 2, root: join(dir, 'v2'), swapLimit: true }), false);
    writeFileSync(join(dir, 'v2', 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
    writeFileSync(join(dir, 'v2', 'cpuset.cpus.effective'), '0-3\n');
    const h = hostResources({ version: 2, root: join(dir, 'v2'), swapLimit: false });
    assert.equal(h.blkioWeight, true);
    assert.equal(h.cpus, '0-3');
    assert.equal(h.mems, '0');
    assert.equal(h.swapLimit, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
