import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeFixture, conmonsUnder } from './fixture.js';
import { startFailureExitCode } from '../../src/runtime/index.js';
import { isAlive } from '../../src/runtime/process-util.js';
import { cgroupDir, detectCgroups } from '../../src/runtime/cgroups.js';

let fx: RuntimeFixture;
before(async () => {
  fx = await RuntimeFixture.create();
});
after(async () => {
  const leaks = await fx.cleanup();
  assert.deepEqual(leaks, []);
});

test('echo hi: output in the log, exit code 0', async () => {
  const r = await fx.run({ args: ['echo', 'hi'] });
  assert.equal(r.code, 0);
  assert.equal(r.stdout, 'hi\n');
  assert.equal(r.stderr, '');
  const status = await fx.runtime.exitStatus(r.id);
  assert.equal(status?.code, 0);
  assert.equal(status?.oomKilled, false);
  assert.equal((await fx.runtime.state(r.id))?.status, 'stopped');
});

test('stdout and stderr are kept apart', async () => {
  const r = await fx.run({ args: ['sh', '-c', 'echo out; echo err >&2'] });
  assert.equal(r.stdout, 'out\n');
  assert.equal(r.stderr, 'err\n');
});

test('exit code 3 is recorded', async () => {
  const r = await fx.run({ args: ['sh', '-c', 'exit 3'] });
  assert.equal(r.code, 3);
});

test('SIGKILL gives exit code 137; onExit fires', async () => {
  const id = await fx.create({ args: ['sleep', '1000'] });
  const seen = new Promise<string>((resolve) => fx.runtime.onExit((x) => x === id && resolve(x)));
  await fx.runtime.start(id);
  const st = await fx.runtime.state(id);
  assert.equal(st?.status, 'running');
  assert.ok(st!.pid > 0);
  assert.equal(await fx.runtime.exitStatus(id), undefined);
  await fx.runtime.kill(id, 'SIGKILL');
  assert.equal(await seen, id);
  assert.equal((await fx.runtime.exitStatus(id))?.code, 137);
});

test('a missing executable fails create with runc\'s message and leaves nothing behind', async () => {
  await assert.rejects(fx.create({ args: ['no-such-binary'] }), (err: Error & { kind?: string }) => {
    assert.match(err.message, /^OCI runtime create failed: .*exec: "no-such-binary": executable file not found in \$PATH: unknown$/);
    assert.equal(err.kind, 'invalid-parameter');
    assert.equal(startFailureExitCode(err.message), 127);
    return true;
  });
  const id = fx.ids.at(-1)!;
  assert.equal(await fx.runtime.state(id), undefined);
  assert.equal(await fx.runtime.exitStatus(id), undefined);
  for (const d of fx.cgroupDirs(id)) assert.equal(existsSync(d), false, d);
  assert.deepEqual(conmonsUnder(fx.bundle(id)), []);
});

test('creating an id the runtime already has is a conflict and does not disturb it', async () => {
  const id = await fx.create({ args: ['sleep', '1000'] });
  const spec = await fx.runtime.buildSpec(fx.input(id));
  await assert.rejects(
    fx.runtime.create({ id, bundle: fx.bundle(id) + '-2', spec, logPath: fx.logPath(id) + '-2', tty: false, openStdin: false }),
    { kind: 'conflict' },
  );
  assert.equal((await fx.runtime.state(id))?.status, 'created');
});

test('created, then running, then deleted; delete removes its cgroup and monitor', async () => {
  const id = await fx.create({ args: ['sleep', '1000'] });
  assert.equal((await fx.runtime.state(id))?.status, 'created');
  const monitor = Number(readFileSync(join(fx.bundle(id), 'conmon.pid'), 'utf8'));
  assert.ok(isAlive(monitor));
  await fx.runtime.start(id);
  await assert.rejects(fx.runtime.delete(id), /running/);
  await fx.runtime.delete(id, { force: true });
  assert.equal(await fx.runtime.state(id), undefined);
  assert.equal(isAlive(monitor), false);
  for (const d of fx.cgroupDirs(id)) assert.equal(existsSync(d), false, d);
  assert.equal(existsSync(join(fx.bundle(id), 'attach')), false);
});

test('env, cwd and a named user resolve as Docker does', async () => {
  const r = await fx.run({
    args: ['sh', '-c', 'echo "$FOO|$(pwd)|$(id -u):$(id -g)|$(id -G)|$HOME|$PATH|$(hostname)"'],
    env: ['FOO=bar'],
    cwd: '/tmp',
    user: 'wharf',
    hostname: 'box1',
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '1000:1000|'.replace('1000:1000|', '') + 'bar|/tmp|1000:1000|1000 10|/home/wharf|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin|box1\n');
});

test('uid:gid numeric user needs no passwd entry', async () => {
  const r = await fx.run({ args: ['sh', '-c', 'echo $(id -u):$(id -g) $HOME'], user: '4242:4343' });
  assert.equal(r.stdout, '4242:4343 /\n');
});

test('unknown user name is refused before anything runs', async () => {
  await assert.rejects(fx.create({ user: 'nobody-here' }), {
    message: 'unable to find user nobody-here: no matching entries in passwd file',
  });
});

test('--read-only rootfs refuses writes', async () => {
  const r = await fx.run({ args: ['sh', '-c', 'touch /ro-test 2>&1; echo rc=$?'], readonlyRootfs: true });
  assert.match(r.stdout, /Read-only file system/);
  assert.match(r.stdout, /rc=1/);
});

test('cap-drop ALL makes chown fail; default caps let it work', async () => {
  const ok = await fx.run({ args: ['sh', '-c', 'touch /tmp/c1 && chown 1000 /tmp/c1 && echo ok'] });
  assert.equal(ok.stdout, 'ok\n');
  const r = await fx.run({ args: ['sh', '-c', 'touch /tmp/c2 && chown 1000 /tmp/c2; echo rc=$?'], capDrop: ['ALL'] });
  assert.match(r.stdout + r.stderr, /Operation not permitted/);
  assert.match(r.stdout, /rc=1/);
});

test('default seccomp profile blocks unshare; seccomp=unconfined with SYS_ADMIN allows it', async () => {
  const blocked = await fx.run({ args: ['sh', '-c', 'unshare -u true; echo rc=$?'] });
  assert.match(blocked.stdout, /rc=1/);
  const allowed = await fx.run({ args: ['sh', '-c', 'unshare -u true; echo rc=$?'], capAdd: ['sys_admin'], securityOpt: ['seccomp=unconfined'] });
  assert.match(allowed.stdout, /rc=0/);
});

test('masked and read-only kernel paths', async () => {
  // The host's /proc/timer_list has content; inside it is masked by /dev/null.
  assert.ok(readFileSync('/proc/timer_list').length > 0);
  const r = await fx.run({ args: ['sh', '-c', 'wc -c < /proc/timer_list; echo 1 > /proc/sys/kernel/domainname; echo rc=$?'] });
  assert.match(r.stdout, /^0\n/);
  assert.match(r.stdout, /rc=1/);
  assert.match(r.stderr, /Read-only file system/);
  const priv = await fx.run({ args: ['sh', '-c', 'test $(wc -c < /proc/timer_list) -gt 0 && echo visible'], privileged: true });
  assert.equal(priv.stdout, 'visible\n');
});

test('memory limit is visible in the cgroup; pids limit is enforced', async () => {
  // Limits leave room for runc's own init: a Go process whose threads count as pids until it
  // execs the command (a limit of 5 failed `runc start` now and then on a loaded host).
  const id = await fx.create({ args: ['sleep', '1000'], memory: 64 * 1024 * 1024, pidsLimit: 20, nanoCpus: 0.5e9 });
  await fx.runtime.start(id);
  const layout = detectCgroups();
  const rel = `${fx.cgroupParent}/${id}`;
  if (layout.version === 1) {
    assert.equal(readFileSync(join(cgroupDir(layout, rel, 'memory'), 'memory.limit_in_bytes'), 'utf8').trim(), String(64 * 1024 * 1024));
    assert.equal(readFileSync(join(cgroupDir(layout, rel, 'cpu'), 'cpu.cfs_quota_us'), 'utf8').trim(), '50000');
  } else {
    assert.equal(readFileSync(join(cgroupDir(layout, rel, ''), 'memory.max'), 'utf8').trim(), String(64 * 1024 * 1024));
    assert.equal(readFileSync(join(cgroupDir(layout, rel, ''), 'cpu.max'), 'utf8').trim(), '50000 100000');
  }
  const stats = await fx.runtime.stats(id);
  assert.equal(stats.memoryLimit, 64 * 1024 * 1024);
  assert.equal(stats.pidsLimit, 20);
  assert.ok(stats.pidsCurrent >= 1);
  const pids = await fx.runtime.pids(id);
  assert.ok(pids.includes((await fx.runtime.state(id))!.pid));
  await fx.runtime.kill(id, 'KILL');
  await fx.runtime.waitExit(id);
  const r = await fx.run({
    args: ['sh', '-c', 'for i in $(seq 24); do sleep 5 & done 2>&1; echo done'],
    pidsLimit: 12,
  });
  assert.match(r.stdout + r.stderr, /Resource temporarily unavailable|can't fork/);
});

test('--init runs tini as PID 1', async () => {
  const r = await fx.run({ args: ['sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "'], init: true });
  assert.equal(r.stdout, '/sbin/docker-init -- sh -c cat /proc/1/cmdline | tr "\\0" " " ');
});

test('pause and resume', async () => {
  const id = await fx.create({ args: ['sleep', '1000'] });
  await fx.runtime.start(id);
  await fx.runtime.pause(id);
  assert.equal((await fx.runtime.state(id))?.status, 'paused');
  await assert.rejects(fx.runtime.pause(id), /is already paused/);
  await fx.runtime.resume(id);
  await assert.rejects(fx.runtime.resume(id), /is not paused/);
  assert.equal((await fx.runtime.state(id))?.status, 'running');
  await fx.runtime.kill(id, 9);
  assert.equal((await fx.runtime.waitExit(id)).code, 137);
  await assert.rejects(fx.runtime.kill(id, 'TERM'), /not running/);
});

test('a process killed for memory is reported as OOM-killed', async () => {
  // tail keeps a "line" of /dev/zero (no newlines) in memory until the 16 MiB limit kills it.
  const r = await fx.run({ args: ['sh', '-c', 'tail /dev/zero'], memory: 16 * 1024 * 1024 });
  assert.equal(r.code, 137);
  assert.equal((await fx.runtime.exitStatus(r.id))?.oomKilled, true);
});

test('network: a new namespace has only loopback, up; host mode sees the host\'s interfaces', async () => {
  const own = await fx.run({ args: ['sh', '-c', 'cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d " "; cat /sys/class/net/lo/operstate; cat /proc/sys/net/ipv4/ip_unprivileged_port_start'] });
  assert.equal(own.stdout, 'lo\nunknown\n0\n');
  const host = await fx.run({ args: ['sh', '-c', 'cat /proc/net/dev | tail -n +3 | wc -l'], network: { mode: 'host' } });
  const hostCount = readFileSync('/proc/net/dev', 'utf8').trim().split('\n').length - 2;
  assert.equal(Number(host.stdout.trim()), hostCount);
});

test('pid namespace: the command is PID 1; extra devices and sysctls apply', async () => {
  const r = await fx.run({
    args: ['sh', '-c', 'echo $$; echo x > /dev/extra-null && echo wrote; cat /proc/sys/net/ipv4/tcp_syncookies'],
    devices: [{ PathOnHost: '/dev/null', PathInContainer: '/dev/extra-null', CgroupPermissions: 'rwm' }],
    sysctls: { 'net.ipv4.tcp_syncookies': '0' },
  });
  assert.equal(r.stdout, '1\nwrote\n0\n', r.stderr);
});
