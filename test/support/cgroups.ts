import { readdirSync, rmdirSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/** A cgroup parent unique to this test run, so runs never share or leak cgroups. */
export function testCgroupParent(): string {
  return `/wharf-test-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** Removes a (now empty) cgroup parent from every v1 controller and the v2 hierarchy. */
export function removeCgroupParent(parent: string): void {
  const root = '/sys/fs/cgroup';
  const dirs = existsSync(join(root, 'cgroup.controllers'))
    ? [join(root, parent)]
    : readdirSync(root).map((c) => join(root, c, parent));
  for (const d of dirs) {
    try {
      rmdirSync(d);
    } catch {
      // Absent in this controller, or a child cgroup is still busy (then the test's own leak checks say so).
    }
  }
}
