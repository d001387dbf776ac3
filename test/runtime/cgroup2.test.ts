import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/**
 * cgroup v2 on any host: in a private mount namespace, /sys/fs/cgroup is replaced by a cgroup2
 * mount (on this hybrid host that is the unified tree, without controllers), and a container
 * is run there; the host's own mounts are untouched.
 */
test('containers run on a cgroup v2 (unified) layout: private cgroup namespace, pids and CPU stats', () => {
  const child = join(dirname(fileURLToPath(import.meta.url)), 'cgroup2-child.js');
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c',
    `umount -R /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup && exec "${process.execPath}" "${child}"`], { encoding: 'utf8', timeout: 120000 });
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.error, undefined);
  assert.equal(report.layout.version, 2);
  assert.equal(report.run.code, 0);
  // Docker's default on v2: a private cgroup namespace, so the container sees itself at the root.
  assert.match(report.run.stdout, /^0::\/$/m);
  assert.match(report.run.stdout, /unified\n$/);
  assert.ok(report.pids.includes(report.initPid));
  assert.ok(report.stats.cpuTotalNs > 0);
  assert.match(report.hostView, /^0::\/wharf-test-[0-9a-f]+\/[0-9a-f]{64}$/m);
  assert.equal(report.exit, 137);
  assert.deepEqual(report.leaks, []);
});
