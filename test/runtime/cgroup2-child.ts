/**
 * Runs inside a private mount namespace where /sys/fs/cgroup is a cgroup2 mount (see
 * cgroup2.test.ts): a container's life on the unified hierarchy, reported as JSON on stdout.
 */
import { readFileSync } from 'node:fs';
import { RuntimeFixture } from './fixture.js';
import { detectCgroups } from '../../src/runtime/cgroups.js';

const fx = await RuntimeFixture.create();
const report: Record<string, unknown> = { layout: detectCgroups() };
try {
  const r = await fx.run({ args: ['sh', '-c', 'cat /proc/self/cgroup; test -f /sys/fs/cgroup/cgroup.controllers && echo unified'] });
  report.run = r;
  const id = await fx.create({ args: ['sleep', '100'] });
  await fx.runtime.start(id);
  report.initPid = (await fx.runtime.state(id))?.pid;
  report.pids = await fx.runtime.pids(id);
  report.stats = await fx.runtime.stats(id);
  report.hostView = readFileSync(`/proc/${String(report.initPid)}/cgroup`, 'utf8');
  await fx.runtime.kill(id, 'KILL');
  report.exit = (await fx.runtime.waitExit(id)).code;
} catch (err) {
  report.error = String(err);
} finally {
  report.leaks = await fx.cleanup();
}
process.stdout.write(JSON.stringify(report));
