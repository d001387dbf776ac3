import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readContainerStats, readPids } from './stats.js';
import type { CgroupLayout } from './cgroups.js';

let root: string;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'wharf-cg-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

function files(dir: string, content: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(content)) writeFileSync(join(dir, name), text);
}

test('cgroup v1: one tree per controller', async () => {
  const v1: CgroupLayout = { version: 1, root: join(root, 'v1'), swapLimit: true };
  const rel = 'wharf/c1';
  files(join(v1.root, 'cpuacct', rel), { 'cpuacct.usage': '5000000\n', 'cpuacct.stat': 'user 30\nsystem 20\n', 'cpuacct.usage_percpu': '3000000 2000000 \n' });
  files(join(v1.root, 'memory', rel), { 'memory.usage_in_bytes': '1048576\n', 'memory.limit_in_bytes': '9223372036854771712\n', 'memory.stat': 'cache 4096\nrss 8192\n' });
  files(join(v1.root, 'pids', rel), { 'pids.current': '3\n', 'pids.max': '10\n', 'cgroup.procs': '42\n7\n' });
  files(join(v1.root, 'blkio', rel), { 'blkio.throttle.io_service_bytes': '8:0 Read 100\n8:0 Write 50\n8:0 Total 150\nTotal 150\n' });
  const s = await readContainerStats(v1, `/${rel}`);
  assert.equal(s.cpuTotalNs, 5000000);
  assert.equal(s.cpuUserNs, 300000000);
  assert.equal(s.cpuSystemNs, 200000000);
  assert.deepEqual(s.percpuNs, [3000000, 2000000]);
  assert.equal(s.memoryUsage, 1048576);
  assert.ok(s.memoryLimit > 0 && s.memoryLimit < 2 ** 62, 'an unlimited cgroup reports the host memory');
  assert.deepEqual(s.memoryStats, { cache: 4096, rss: 8192 });
  assert.equal(s.pidsCurrent, 3);
  assert.equal(s.pidsLimit, 10);
  assert.equal(s.blkioRead, 100);
  assert.equal(s.blkioWrite, 50);
  assert.ok(s.systemCpuNs > 0);
  assert.deepEqual(await readPids(v1, `/${rel}`), [7, 42]);
});

test('cgroup v2: one unified tree', async () => {
  const v2: CgroupLayout = { version: 2, root: join(root, 'v2'), swapLimit: true };
  const rel = 'wharf/c2';
  files(join(v2.root, rel), {
    'cpu.stat': 'usage_usec 7000\nuser_usec 4000\nsystem_usec 3000\n',
    'memory.current': '2097152\n',
    'memory.max': '67108864\n',
    'memory.stat': 'anon 1024\nfile 2048\n',
    'pids.current': '2\n',
    'pids.max': 'max\n',
    'io.stat': '8:0 rbytes=10 wbytes=20 rios=1 wios=2\n8:16 rbytes=1 wbytes=2 rios=1 wios=1\n',
    'cgroup.procs': '99\n',
  });
  const s = await readContainerStats(v2, `/${rel}`);
  assert.equal(s.cpuTotalNs, 7000000);
  assert.equal(s.cpuUserNs, 4000000);
  assert.equal(s.memoryUsage, 2097152);
  assert.equal(s.memoryLimit, 67108864);
  assert.deepEqual(s.memoryStats, { anon: 1024, file: 2048 });
  assert.equal(s.pidsLimit, undefined);
  assert.equal(s.blkioRead, 11);
  assert.equal(s.blkioWrite, 22);
  assert.deepEqual(await readPids(v2, `/${rel}`), [99]);
});

test('a missing cgroup reads as zeros', async () => {
  const v2: CgroupLayout = { version: 2, root: join(root, 'none'), swapLimit: false };
  const s = await readContainerStats(v2, '/gone');
  assert.equal(s.cpuTotalNs, 0);
  assert.equal(s.pidsCurrent, 0);
  assert.deepEqual(await readPids(v2, '/gone'), []);
});
