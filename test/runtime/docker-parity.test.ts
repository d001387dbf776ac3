import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startDockerd, type RunningDaemon } from '../support/daemons.js';
import { busyboxRootfsTar } from '../support/busybox-rootfs.js';
import { RuntimeFixture } from './fixture.js';
import type { SpecInput } from '../../src/runtime/runtime.js';

/**
 * The OCI config Wharf generates, compared with the one Docker's reference daemon (20.10)
 * generates for the same `docker run` flags on this host.
 */

const run = promisify(execFile);
let fx: RuntimeFixture;
let dockerd: RunningDaemon;
const IMAGE = 'wharf-parity:1';

before(async () => {
  fx = await RuntimeFixture.create();
  dockerd = await startDockerd();
  const tar = await busyboxRootfsTar();
  await new Promise<void>((resolve, reject) => {
    const p = spawn('docker', ['-H', dockerd.host, 'import', '-', IMAGE], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (c) => (err += c));
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`docker import: ${err}`))));
    p.stdin.end(tar);
  });
});

after(async () => {
  try {
    const { stdout } = await run('docker', ['-H', dockerd.host, 'ps', '-aq']);
    for (const id of stdout.split('\n').filter(Boolean)) await run('docker', ['-H', dockerd.host, 'rm', '-f', id]).catch(() => {});
  } finally {
    // dockerd leaves its host-network namespace handle mounted under the exec root.
    spawnSync('umount', [join(dockerd.execRoot, 'netns', 'default')]);
    await dockerd.stop();
    assert.deepEqual(await fx.cleanup(), []);
  }
});

/** The config.json dockerd handed to runc for a `docker run -d <flags> IMAGE sleep 100`. */
async function dockerSpec(flags: string[]): Promise<Any> {
  const { stdout } = await run('docker', ['-H', dockerd.host, 'run', '-d', '--network', 'none', ...flags, IMAGE, 'sleep', '100']);
  const id = stdout.trim();
  const { stdout: found } = await run('find', [dockerd.execRoot, '-path', `*${id}*`, '-name', 'config.json']);
  const spec = JSON.parse(await readFile(found.trim().split('\n')[0]!, 'utf8'));
  await run('docker', ['-H', dockerd.host, 'rm', '-f', id]);
  return spec;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

/** The parts of a config that carry Docker's policy (ids, paths and zero-valued fields dropped). */
function policy(spec: Any): Any {
  const p = spec.process;
  const l = spec.linux;
  const caps = Object.fromEntries(Object.entries(p.capabilities ?? {}).map(([k, v]) => [k, [...(v as string[])].sort()]));
  const res = l.resources ?? {};
  const nonZero = (o: Any) => {
    const kept = Object.entries(o ?? {}).filter(([, v]) => v !== 0 && v !== false);
    return kept.length ? Object.fromEntries(kept) : undefined;
  };
  return {
    user: p.user,
    args: p.args,
    terminal: p.terminal ?? false,
    env: (p.env as string[]).filter((e) => !e.startsWith('HOSTNAME=') && !e.startsWith('HOME=')),
    caps,
    noNewPrivileges: p.noNewPrivileges ?? false,
    oomScoreAdj: p.oomScoreAdj ?? 0,
    readonly: spec.root.readonly ?? false,
    mounts: (spec.mounts as Any[])
      .filter((m) => !m.destination.startsWith('/etc/'))
      .map((m) => ({ destination: m.destination, type: m.type, options: m.options, ...(m.type === 'bind' ? {} : { source: m.source }) })),
    namespaces: l.namespaces,
    devices: res.devices,
    memory: nonZero(res.memory),
    cpu: nonZero(res.cpu),
    pids: res.pids,
    // Newer Docker also masks /sys/devices/virtual/powercap (power readings leak secrets); so does Wharf.
    maskedPaths: (l.maskedPaths as string[] | undefined)?.filter((m) => m !== '/sys/devices/virtual/powercap'),
    readonlyPaths: l.readonlyPaths,
    sysctl: l.sysctl,
    seccomp: l.seccomp ? { defaultAction: l.seccomp.defaultAction, architectures: l.seccomp.architectures } : undefined,
  };
}

/** Syscalls a seccomp config allows, at least for some arguments. */
function allowedSyscalls(spec: Any): Set<string> {
  return new Set((spec.linux.seccomp?.syscalls ?? []).filter((s: Any) => s.action === 'SCMP_ACT_ALLOW').flatMap((s: Any) => s.names));
}

/**
 * Syscalls Docker releases after 20.10 added to the default allow-list (Wharf follows the newer
 * list); everything 20.10 allows, Wharf allows too.
 */
const NEWER_DOCKER_ALLOWS = new Set([
  'clock_nanosleep_time64', 'close_range', 'epoll_pwait2', 'faccessat2', 'futex_waitv', 'landlock_add_rule',
  'landlock_create_ruleset', 'landlock_restrict_self', 'memfd_secret', 'openat2', 'pidfd_getfd', 'pidfd_open',
  'pidfd_send_signal', 'process_mrelease', 'rseq', 'set_mempolicy_home_node', 'io_pgetevents_time64',
  'ptrace', 'process_vm_readv', 'process_vm_writev', 'process_madvise', 'kcmp', 'mq_timedreceive_time64',
  'mq_timedsend_time64', 'ppoll_time64', 'pselect6_time64', 'recvmmsg_time64', 'rt_sigtimedwait_time64',
  'sched_rr_get_interval_time64', 'semtimedop_time64', 'timer_gettime64', 'timer_settime64',
  'timerfd_gettime64', 'timerfd_settime64', 'utimensat_time64', 'clock_adjtime64', 'clock_getres_time64',
  'clock_gettime64', 'futex_time64', 'io_uring_enter', 'io_uring_register', 'io_uring_setup',
  'name_to_handle_at', 'pkey_alloc', 'pkey_free', 'pkey_mprotect',
]);

const cases: { flags: string[]; input: Partial<SpecInput> }[] = [
  { flags: [], input: {} },
  { flags: ['-u', 'wharf'], input: { user: 'wharf' } },
  { flags: ['-u', '4242:4343', '--group-add', '10'], input: { user: '4242:4343', groupAdd: ['10'] } },
  {
    flags: ['--memory', '64m', '--cpus', '0.5', '--pids-limit', '5', '--cpu-shares', '512', '--cpuset-cpus', '0'],
    input: { memory: 64 << 20, nanoCpus: 0.5e9, pidsLimit: 5, cpuShares: 512, cpusetCpus: '0' },
  },
  {
    flags: ['--init', '--read-only', '--shm-size', '1m', '--security-opt', 'no-new-privileges', '--cap-drop', 'ALL', '--cap-add', 'chown'],
    input: { init: true, readonlyRootfs: true, shmSize: 1 << 20, securityOpt: ['no-new-privileges'], capDrop: ['ALL'], capAdd: ['chown'] },
  },
  {
    flags: ['-t', '-u', 'wharf', '--ulimit', 'nofile=100:200', '--oom-score-adj', '300', '--sysctl', 'net.ipv4.ip_forward=1'],
    input: { tty: true, user: 'wharf', ulimits: [{ Name: 'nofile', Soft: 100, Hard: 200 }], oomScoreAdj: 300, sysctls: { 'net.ipv4.ip_forward': '1' } },
  },
  { flags: ['--cap-add', 'SYS_ADMIN', '--cap-add', 'SYS_PTRACE'], input: { capAdd: ['SYS_ADMIN', 'SYS_PTRACE'] } },
  { flags: ['--security-opt', 'seccomp=unconfined'], input: { securityOpt: ['seccomp=unconfined'] } },
];

for (const c of cases) {
  test(`same OCI config as dockerd for: docker run ${c.flags.join(' ') || '(defaults)'}`, async () => {
    const theirs = await dockerSpec(c.flags);
    const ours = (await fx.runtime.buildSpec(fx.input(fx.newId(), { args: ['sleep', '100'], ...c.input }))) as Any;
    const a = policy(ours);
    const b = policy(theirs);
    // Docker passes no rlimits unless asked (its containers inherit containerd's); Wharf always
    // sets RLIMIT_NOFILE within the host's hard limit.
    if (theirs.process.rlimits) assert.deepEqual(ours.process.rlimits, theirs.process.rlimits);
    // Docker's init binary lives elsewhere on this host.
    assert.deepEqual(a, b);
    const mine = allowedSyscalls(ours);
    const docker20 = allowedSyscalls(theirs);
    assert.deepEqual([...docker20].filter((n) => !mine.has(n)), [], 'allowed by Docker only');
    assert.deepEqual([...mine].filter((n) => !docker20.has(n) && !NEWER_DOCKER_ALLOWS.has(n)), [], 'allowed by Wharf only');
  });
}
