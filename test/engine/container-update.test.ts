/**
 * `docker update` with the unmodified docker CLI against Wharf's daemon: new limits reach the
 * running container's cgroup (read from the cgroup files), are enforced inside it, show in
 * inspect, and outlive a container restart and a daemon restart. Error answers are compared
 * with Docker's reference daemon running the same commands.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { busyboxRootfsTar } from '../support/busybox-rootfs.js';
import { limitsOf } from '../support/cgroup-limits.js';
import { startDockerd, startWharfDaemon, WHARF_BIN, type RunningDaemon } from '../support/daemons.js';
import { runCli } from '../support/run-cli.js';

const IMG = `update-test-${randomBytes(3).toString('hex')}:1`;
const MiB = 1024 * 1024;

describe('docker update against the Wharf daemon', () => {
  let wharf: RunningDaemon;
  let dockerd: RunningDaemon | undefined;
  const dk = (d: RunningDaemon, args: string[]) => runCli('docker', ['-H', d.host, ...args]);
  const w = (args: string[]) => dk(wharf, args);
  const ok = async (args: string[]) => {
    const r = await w(args);
    assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };
  const name = () => `upd-${randomBytes(4).toString('hex')}`;
  const pidOf = async (n: string) => Number(await ok(['inspect', '-f', '{{.State.Pid}}', n]));
  const hostConfig = async (n: string) => JSON.parse(await ok(['inspect', '-f', '{{json .HostConfig}}', n]));

  before(async () => {
    wharf = await startWharfDaemon();
    const r = await runCli('docker', ['-H', wharf.host, 'import', '--change', 'CMD ["sh"]', '-', IMG], { input: await busyboxRootfsTar() });
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await wharf?.stop();
    await dockerd?.stop();
  });

  test('a running container gets every new limit in its cgroup at once; inspect shows them', async () => {
    const n = name();
    await ok(['run', '-d', '--name', n, IMG, 'sleep', '600']);
    const out = await ok(['update', '--memory', '64m', '--memory-swap', '128m', '--memory-reservation', '32m', '--cpus', '0.5', '--cpu-shares', '512',
      '--cpuset-cpus', '0', '--cpuset-mems', '0', '--pids-limit', '30', '--restart', 'on-failure:2', n]);
    assert.equal(out, n);
    const l = limitsOf(await pidOf(n));
    assert.equal(l.memory, String(64 * MiB));
    assert.equal(l.memsw, String(128 * MiB));
    assert.equal(l.reservation, String(32 * MiB));
    if (l.shares !== undefined) assert.equal(l.shares, '512');
    assert.equal(l.quota, '50000');
    assert.equal(l.period, '100000');
    assert.equal(l.cpus, '0');
    assert.equal(l.mems, '0');
    assert.equal(l.pids, '30');
    const hc = await hostConfig(n);
    assert.deepEqual(
      [hc.Memory, hc.MemorySwap, hc.MemoryReservation, hc.NanoCpus, hc.CpuShares, hc.CpusetCpus, hc.CpusetMems, hc.PidsLimit, hc.RestartPolicy],
      [64 * MiB, 128 * MiB, 32 * MiB, 5e8, 512, '0', '0', 30, { Name: 'on-failure', MaximumRetryCount: 2 }],
    );
    // A later update of one setting leaves the others as they are.
    await ok(['update', '--cpus', '1', n]);
    const after = limitsOf(await pidOf(n));
    assert.equal(after.quota, '100000');
    assert.equal(after.memory, String(64 * MiB));
    assert.equal(after.pids, '30');
    assert.deepEqual((await hostConfig(n)).RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 2 }, 'no --restart keeps the policy');
  });

  test('a pids limit set by update is enforced inside the container, and -1 lifts it', async () => {
    const n = name();
    await ok(['run', '-d', '--name', n, IMG, 'sleep', '600']);
    const forkTen = ['exec', n, 'sh', '-c', 'i=0; while [ $i -lt 10 ]; do sleep 1 & i=$((i+1)); done; wait; echo done'];
    const free = await w(forkTen);
    assert.equal(free.code, 0, free.stderr);
    assert.equal(free.stdout, 'done\n');
    await ok(['update', '--pids-limit', '5', n]);
    const limited = await w(forkTen);
    assert.match(limited.stderr, /can't fork|Resource temporarily unavailable/);
    await ok(['update', '--pids-limit', '-1', n]);
    assert.equal(limitsOf(await pidOf(n)).pids, 'max');
    assert.equal((await hostConfig(n)).PidsLimit, 0, 'an unlimited pids limit shows as 0, as with dockerd');
    const again = await w(forkTen);
    assert.equal(again.code, 0, again.stderr);
  });

  test('a restart policy set by update is enforced when the running container exits', async () => {
    const n = name();
    // Exits 3 once /tmp/stop exists; the file stays in the container's layer across restarts.
    await ok(['run', '-d', '--name', n, IMG, 'sh', '-c', 'while [ ! -f /tmp/stop ]; do sleep 0.1; done; exit 3']);
    await ok(['update', '--restart', 'on-failure:1', n]);
    await ok(['exec', n, 'touch', '/tmp/stop']);
    const deadline = Date.now() + 20000;
    let state = '';
    while (Date.now() < deadline) {
      state = await ok(['inspect', '-f', '{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}', n]);
      if (state === 'exited 1 3') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(state, 'exited 1 3', 'restarted once (on-failure:1), then left exited');
  });

  test('wharf update prints and does what docker update does', async () => {
    const n = name();
    await ok(['run', '-d', '--name', n, IMG, 'sleep', '600']);
    const wharfCli = (args: string[]) => runCli(process.execPath, [WHARF_BIN, '-H', wharf.host, ...args]);
    const r = await wharfCli(['container', 'update', '--pids-limit', '8', '--cpus', '0.25', n]);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, `${n}\n`, '']);
    const l = limitsOf(await pidOf(n));
    assert.deepEqual([l.pids, l.quota], ['8', '25000']);
    for (const args of [['update', n], ['update', '--memory', 'lots', n], ['update', '--memory', '1m', n, 'nosuch']]) {
      const [mine, theirs] = await Promise.all([wharfCli(args), w(args)]);
      assert.deepEqual([mine.code, mine.stdout, mine.stderr.replaceAll('wharf', 'docker')], [theirs.code, theirs.stdout, theirs.stderr], args.join(' '));
    }
  });

  test('a paused container gets the limits and stays paused', async () => {
    const n = name();
    await ok(['run', '-d', '--name', n, IMG, 'sleep', '600']);
    await ok(['pause', n]);
    await ok(['update', '--pids-limit', '7', '--cpu-shares', '300', n]);
    assert.equal(await ok(['inspect', '-f', '{{.State.Status}}', n]), 'paused');
    const l = limitsOf(await pidOf(n));
    assert.equal(l.pids, '7');
    if (l.shares !== undefined) assert.equal(l.shares, '300');
    await ok(['unpause', n]);
  });

  test('run --memory records the default swap limit it applies, as dockerd shows it; swappiness unset is null', async () => {
    const n = name();
    await ok(['run', '-d', '--name', n, '--memory', '64m', IMG, 'sleep', '600']);
    const hc = await hostConfig(n);
    const l = limitsOf(await pidOf(n));
    // Where swap can be limited (memsw present), Docker's default is twice the memory; else unlimited.
    const swap = l.memsw !== undefined ? 128 * MiB : -1;
    assert.deepEqual([hc.Memory, hc.MemorySwap, hc.MemorySwappiness], [64 * MiB, swap, null]);
    if (l.memsw !== undefined) assert.equal(l.memsw, String(128 * MiB));
  });

  test('a created container only stores the limits; its first start applies them', async () => {
    const n = name();
    await ok(['create', '--name', n, IMG, 'sleep', '600']);
    await ok(['update', '--memory', '48m', '--memory-swap', '96m', '--pids-limit', '9', '--cpuset-cpus', '0', n]);
    const hc = await hostConfig(n);
    assert.deepEqual([hc.Memory, hc.MemorySwap, hc.PidsLimit, hc.CpusetCpus], [48 * MiB, 96 * MiB, 9, '0']);
    await ok(['start', n]);
    const l = limitsOf(await pidOf(n));
    assert.deepEqual([l.memory, l.memsw, l.pids, l.cpus], [String(48 * MiB), String(96 * MiB), '9', '0']);
  });

  test('updated limits survive a container restart and a daemon restart after kill -9', async () => {
    const n = name();
    await ok(['run', '-d', '--name', n, '--memory', '100m', IMG, 'sleep', '600']);
    await ok(['update', '--memory', '150m', '--pids-limit', '12', '--memory-reservation', '20m', n]);
    await ok(['restart', '-t', '0', n]);
    const expected = { memory: String(150 * MiB), memsw: String(200 * MiB), pids: '12', reservation: String(20 * MiB) };
    const pick = (l: Record<string, string>) => ({ memory: l.memory, memsw: l.memsw, pids: l.pids, reservation: l.reservation });
    assert.deepEqual(pick(limitsOf(await pidOf(n))), expected, 'the memory+swap in force (2 x the first memory limit) is kept, as with dockerd');

    const base = wharf.dataRoot.replace(/\/data$/, '');
    await wharf.crash();
    wharf = await startWharfDaemon({ base });
    const hc = await hostConfig(n);
    assert.deepEqual([hc.Memory, hc.MemorySwap, hc.PidsLimit, hc.MemoryReservation], [150 * MiB, 200 * MiB, 12, 20 * MiB]);
    assert.deepEqual(pick(limitsOf(await pidOf(n))), expected, 'the running container kept its limits');
    await ok(['update', '--pids-limit', '13', n]);
    await ok(['restart', '-t', '0', n]);
    assert.deepEqual(pick(limitsOf(await pidOf(n))), { ...expected, pids: '13' });
  });

  test("refusals match dockerd's: the same messages and exit codes from the docker CLI", async () => {
    const ref = await startDockerd();
    dockerd = ref;
    const r = await runCli('docker', ['-H', ref.host, 'import', '--change', 'CMD ["sh"]', '-', IMG], { input: await busyboxRootfsTar() });
    assert.equal(r.code, 0, r.stderr);
    const n = name();
    const ids = new Map<RunningDaemon, string>();
    const both: RunningDaemon[] = [wharf, ref];
    for (const d of both) {
      // 40 MiB in /dev/shm is charged to the container and cannot be reclaimed without swap.
      const run = await dk(d, ['run', '-d', '--name', n, IMG, 'sh', '-c', 'dd if=/dev/zero of=/dev/shm/fill bs=1M count=40 && sleep 600']);
      assert.equal(run.code, 0, run.stderr);
      ids.set(d, run.stdout.trim());
    }
    await new Promise((res) => setTimeout(res, 1500));
    const same = [
      ['--memory', '100m'], // above the memory+swap in force
      ['--memory', '1m'],
      ['--memory', '100m', '--memory-swap', '50m'],
      ['--memory-reservation', '1m'],
      ['--cpus', '0.5', '--cpu-period', '50000'],
      ['--cpus', '99'],
      ['--cpu-period', '500'],
      ['--cpu-quota', '500'],
      ['--cpuset-cpus', '999'],
      ['--cpuset-cpus', 'abc'],
      ['--cpuset-mems', '999'],
      ['--blkio-weight', '300'],
    ];
    for (const flags of same) {
      const [mine, theirs] = await Promise.all(both.map((d) => dk(d, ['update', ...flags, n])));
      const norm = (s: string, d: RunningDaemon) => s.replaceAll(ids.get(d)!, '<id>');
      assert.deepEqual(
        { code: mine!.code, out: mine!.stdout, err: norm(mine!.stderr, wharf) },
        { code: theirs!.code, out: theirs!.stdout, err: norm(theirs!.stderr, ref) },
        `update ${flags.join(' ')}`,
      );
    }
    // Below current usage: the runtime's reason after dockerd's prefix (dockerd adds containerd's own words around it).
    const [a, b] = await Promise.all(both.map((d) => dk(d, ['update', '--memory', '10m', '--memory-swap', '10m', n])));
    for (const [res, d] of [[a!, wharf], [b!, ref]] as const) {
      assert.equal(res.code, 1);
      assert.match(res.stderr, new RegExp(`^Error response from daemon: Cannot update container ${ids.get(d)}: .*unable to set memory limit to 10485760 \\(current usage: \\d+, peak usage: \\d+\\)`));
    }
    const hc = await hostConfig(n);
    assert.deepEqual([hc.Memory, hc.MemorySwap], [0, 0], 'a refused update changes nothing');
  });
});
