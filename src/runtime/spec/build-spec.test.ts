import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpecInput } from '../runtime.js';
import { buildSpec, withDefaultEnv } from './build-spec.js';
import type { CgroupLayout } from '../cgroups.js';

let rootfs: string;
const v1: CgroupLayout = { version: 1, root: '/sys/fs/cgroup', swapLimit: true };
const v2: CgroupLayout = { version: 2, root: '/sys/fs/cgroup', swapLimit: false };

before(() => {
  rootfs = mkdtempSync(join(tmpdir(), 'wharf-spec-'));
  mkdirSync(join(rootfs, 'etc'));
  writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\napp:x:100:101:app:/srv/app:/bin/sh\n');
  writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\napp:x:101:\naudio:x:29:app\n');
});
after(() => rmSync(rootfs, { recursive: true, force: true }));

const input = (over: Partial<SpecInput> = {}): SpecInput => ({
  id: 'c1', rootfs, args: ['sh'], env: ['A=1'], cwd: '/', user: '', hostname: 'h1', tty: false, openStdin: false,
  network: { mode: 'new' }, cgroupsPath: '/wharf/c1', ...over,
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const spec = async (over: Partial<SpecInput> = {}, layout = v1): Promise<Any> => buildSpec(input(over), { cgroups: layout, initPath: '/bin/sh' });

test('default container: namespaces, caps, seccomp, masked paths, mounts, hostname', async () => {
  const s = await spec();
  assert.deepEqual(s.linux.namespaces.map((n: Any) => n.type), ['mount', 'network', 'uts', 'pid', 'ipc']);
  assert.equal(s.process.capabilities.bounding.length, 14);
  assert.equal(s.linux.seccomp.defaultAction, 'SCMP_ACT_ERRNO');
  assert.ok(s.linux.maskedPaths.includes('/proc/kcore'));
  assert.ok(s.linux.readonlyPaths.includes('/proc/sys'));
  const dests = s.mounts.map((m: Any) => m.destination);
  assert.deepEqual(dests, ['/proc', '/dev', '/dev/pts', '/sys', '/sys/fs/cgroup', '/dev/mqueue', '/dev/shm']);
  assert.ok(s.mounts.find((m: Any) => m.destination === '/dev/shm').options.includes('size=67108864'));
  assert.ok(s.mounts.find((m: Any) => m.destination === '/sys').options.includes('ro'));
  assert.equal(s.hostname, 'h1');
  assert.equal(s.root.readonly, false);
  assert.equal(s.linux.cgroupsPath, '/wharf/c1');
  assert.deepEqual(s.process.user, { uid: 0, gid: 0, additionalGids: [0] });
  assert.equal(s.process.oomScoreAdj, 0);
  assert.equal(s.linux.sysctl['net.ipv4.ip_unprivileged_port_start'], '0');
  assert.equal(s.linux.resources.devices[0].allow, false);
  assert.ok(s.process.rlimits.some((r: Any) => r.type === 'RLIMIT_NOFILE'));
});

test('cgroup v2 adds a private cgroup namespace', async () => {
  const s = await spec({}, v2);
  assert.ok(s.linux.namespaces.some((n: Any) => n.type === 'cgroup'));
});

test('network modes: host shares, a path is joined', async () => {
  const host = await spec({ network: { mode: 'host' } });
  assert.ok(!host.linux.namespaces.some((n: Any) => n.type === 'network'));
  assert.equal(host.linux.sysctl, undefined);
  const joined = await spec({ network: { mode: 'path', path: '/run/netns/x' } });
  assert.deepEqual(joined.linux.namespaces.find((n: Any) => n.type === 'network'), { type: 'network', path: '/run/netns/x' });
  const pidHost = await spec({ pidMode: 'host', ipcMode: 'container:42' });
  assert.ok(!pidHost.linux.namespaces.some((n: Any) => n.type === 'pid'));
  assert.deepEqual(pidHost.linux.namespaces.find((n: Any) => n.type === 'ipc'), { type: 'ipc', path: '/proc/42/ns/ipc' });
});

test('user from passwd, supplementary groups, HOME and PATH defaults', async () => {
  const s = await spec({ user: 'app' });
  assert.deepEqual(s.process.user, { uid: 100, gid: 101, additionalGids: [101, 29] });
  assert.deepEqual(Object.keys(s.process.capabilities), ['bounding']);
  assert.ok(s.process.env.includes('HOME=/srv/app'));
  assert.ok(s.process.env.includes('HOSTNAME=h1'));
  assert.ok(s.process.env[0].startsWith('PATH=/usr/local/sbin'));
  await assert.rejects(spec({ user: 'nope' }), /unable to find user nope/);
});

test('withDefaultEnv keeps the caller\'s PATH and HOME and adds TERM for a TTY', () => {
  assert.deepEqual(withDefaultEnv(['PATH=/x', 'HOME=/h'], { hostname: 'h', home: '/root', tty: true }), ['HOSTNAME=h', 'TERM=xterm', 'PATH=/x', 'HOME=/h']);
});

test('--init wraps the command and binds the init binary', async () => {
  const s = await spec({ init: true, args: ['sleep', '1'] });
  assert.deepEqual(s.process.args, ['/sbin/docker-init', '--', 'sleep', '1']);
  assert.deepEqual(s.mounts.at(-1), { destination: '/sbin/docker-init', type: 'bind', source: '/bin/sh', options: ['bind', 'ro'] });
});

test('resources: memory and swap, cpus, shares, cpuset, pids', async () => {
  const s = await spec({ memory: 64 << 20, nanoCpus: 0.5e9, cpuShares: 512, cpusetCpus: '0', pidsLimit: 10 });
  assert.deepEqual(s.linux.resources.memory, { limit: 64 << 20, swap: 128 << 20 });
  assert.deepEqual(s.linux.resources.cpu, { period: 100000, quota: 50000, shares: 512, cpus: '0' });
  assert.deepEqual(s.linux.resources.pids, { limit: 10 });
  const rt = await spec({ cpuRealtimePeriod: 1000000, cpuRealtimeRuntime: 10000 });
  assert.deepEqual(rt.linux.resources.cpu, { realtimePeriod: 1000000, realtimeRuntime: 10000 });
  const noSwap = await spec({ memory: 64 << 20 }, v2);
  assert.deepEqual(noSwap.linux.resources.memory, { limit: 64 << 20 });
  await assert.rejects(spec({ memory: 1024 }), { message: 'Minimum memory limit allowed is 6MB' });
  await assert.rejects(spec({ memory: 64 << 20, memorySwap: 32 << 20 }), /Minimum memoryswap limit should be larger than memory limit/);
  await assert.rejects(spec({ nanoCpus: 1e9, cpuQuota: 1000 }), /Conflicting options: Nano CPUs and CPU Period/);
});

test('read-only rootfs, no-new-privileges, sysctls, oom score, shm size, caller mounts', async () => {
  const s = await spec({
    readonlyRootfs: true,
    securityOpt: ['no-new-privileges'],
    sysctls: { 'net.ipv4.ip_forward': '1' },
    oomScoreAdj: 500,
    shmSize: 1 << 20,
    mounts: [{ destination: '/etc/hosts', source: '/tmp/hosts', type: 'bind', options: ['rbind', 'rprivate'] }],
  });
  assert.equal(s.root.readonly, true);
  assert.equal(s.process.noNewPrivileges, true);
  assert.equal(s.linux.sysctl['net.ipv4.ip_forward'], '1');
  assert.equal(s.process.oomScoreAdj, 500);
  assert.ok(s.mounts.find((m: Any) => m.destination === '/dev/shm').options.includes('size=1048576'));
  assert.equal(s.mounts.at(-1).destination, '/etc/hosts');
  await assert.rejects(spec({ securityOpt: ['bogus=1'] }), /Invalid --security-opt/);
});

test('privileged: all host caps, no seccomp, no masked paths, all devices allowed', async () => {
  const s = await spec({ privileged: true });
  assert.ok(s.process.capabilities.bounding.length > 14);
  assert.equal(s.linux.seccomp, undefined);
  assert.equal(s.linux.maskedPaths, undefined);
  assert.deepEqual(s.linux.resources.devices, [{ allow: true, access: 'rwm' }]);
  assert.ok(s.mounts.find((m: Any) => m.destination === '/sys').options.includes('rw'));
});

test('seccomp=unconfined drops the filter; cap-add SYS_ADMIN widens it', async () => {
  assert.equal((await spec({ securityOpt: ['seccomp=unconfined'] })).linux.seccomp, undefined);
  const s = await spec({ capAdd: ['SYS_ADMIN'] });
  assert.ok(s.linux.seccomp.syscalls[0].names.includes('mount'));
});

test('no command is refused', async () => {
  await assert.rejects(spec({ args: [] }), { message: 'No command specified' });
});
