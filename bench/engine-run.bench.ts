/**
 * Issue 2's figures, Wharf's daemon and Docker's reference daemon side by side in one run:
 * - `docker run --rm --network none IMG true` ×20 through the real docker CLI, against each daemon;
 * - `./bin/wharf run --rm --network none IMG true` ×20 end to end vs the docker CLI → dockerd;
 * - 50 detached containers started in parallel;
 * - daemon idle RSS, and per-container monitor (conmon vs containerd-shim) memory.
 * Run: node dist/bench/engine-run.bench.js   (as root, after scripts/setup.sh --test)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { startDockerd, startWharfDaemon, WHARF_BIN, type RunningDaemon } from '../test/support/daemons.js';
import { median, pssBytes, report, rssBytes, timeCommand } from './bench-util.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 50);
const tag = `bench-${randomBytes(3).toString('hex')}`;

function docker(d: RunningDaemon, ...args: string[]): string {
  return execFileSync('docker', ['-H', d.host, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

function importBusybox(d: RunningDaemon): void {
  const tar = execFileSync(`${WHARF_BIN.replace(/bin\/wharf$/, 'scripts/make-busybox-rootfs.sh')}`, { maxBuffer: 64 << 20 });
  execFileSync('docker', ['-H', d.host, 'import', '-', `${tag}:img`], { input: tar });
}

async function timedRuns(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<number> {
  await timeCommand(cmd, args, env); // warm-up
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await timeCommand(cmd, args, env));
  return median(times);
}

async function parallelStart(d: RunningDaemon): Promise<number> {
  const t0 = Date.now();
  const results = await Promise.allSettled(Array.from({ length: PARALLEL }, (_, i) => timeCommand('docker', ['-H', d.host, 'run', '-d', '--network', 'none', '--name', `${tag}-p${i}-${d.kind}`, `${tag}:img`, 'sleep', '600'])));
  const failed = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
  if (failed.length) console.log(`${d.kind}: ${failed.length}/${PARALLEL} parallel runs failed: ${String(failed[0].reason).slice(0, 300)}`);
  return Date.now() - t0;
}

function monitorMemory(d: RunningDaemon, kind: 'wharf' | 'docker'): number {
  const pattern = kind === 'wharf' ? 'conmon' : 'containerd-shim';
  const pids = spawnSync('pgrep', ['-f', pattern], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
  const own = pids.filter((p) => {
    try {
      return execFileSync('cat', [`/proc/${p}/cmdline`], { encoding: 'utf8' }).includes(kind === 'wharf' ? d.execRoot : d.execRoot.replace(/\/exec$/, ''));
    } catch {
      return false;
    }
  });
  if (!own.length) return 0;
  return own.reduce((a, p) => a + pssBytes(p), 0) / own.length;
}

/** Best effort with a time limit: the daemon's stop() cleans up whatever is left. */
function removeAll(d: RunningDaemon): void {
  const ids = spawnSync('docker', ['-H', d.host, 'ps', '-aq'], { encoding: 'utf8', timeout: 30_000 }).stdout?.split('\n').filter(Boolean) ?? [];
  if (ids.length) spawnSync('docker', ['-H', d.host, 'rm', '-f', ...ids], { timeout: 120_000 });
}

async function main(): Promise<void> {
  const wharf = await startWharfDaemon();
  const dockerd = await startDockerd();
  try {
    importBusybox(wharf);
    importBusybox(dockerd);
    const img = `${tag}:img`;
    const viaDockerWharf = await timedRuns('docker', ['-H', wharf.host, 'run', '--rm', '--network', 'none', img, 'true']);
    const viaDockerDockerd = await timedRuns('docker', ['-H', dockerd.host, 'run', '--rm', '--network', 'none', img, 'true']);
    const viaWharfCli = await timedRuns(process.execPath, [WHARF_BIN, '-H', wharf.host, 'run', '--rm', '--network', 'none', img, 'true']);
    await new Promise((r) => setTimeout(r, 2000));
    const idleWharf = rssBytes(wharf.proc.pid!);
    const idleDockerd = rssBytes(dockerd.proc.pid!);
    report('engine: run latency (median of ' + RUNS + ')', [
      { name: 'docker CLI run --rm true', wharf: viaDockerWharf, peer: viaDockerDockerd, unit: 'ms', target: '<= 0.5' },
      { name: './bin/wharf vs docker CLI→dockerd run --rm true', wharf: viaWharfCli, peer: viaDockerDockerd, unit: 'ms', target: '<= 0.8' },
    ]);
    const parWharf = await parallelStart(wharf);
    const monWharf = monitorMemory(wharf, 'wharf');
    removeAll(wharf);
    const parDocker = await parallelStart(dockerd);
    const monDocker = monitorMemory(dockerd, 'docker');
    report('engine: parallel starts', [
      { name: `${PARALLEL} detached containers in parallel`, wharf: parWharf, peer: parDocker, unit: 'ms', target: '<= 0.5' },
    ]);
    report('engine: memory', [
      { name: 'daemon idle RSS', wharf: idleWharf / 2 ** 20, peer: idleDockerd / 2 ** 20, unit: 'MiB', target: 'wharf <= 60 MiB' },
      { name: 'per-container monitor (PSS)', wharf: monWharf / 2 ** 20, peer: monDocker / 2 ** 20, unit: 'MiB', target: 'wharf <= 3 MiB' },
    ]);
  } finally {
    removeAll(wharf);
    removeAll(dockerd);
    await wharf.stop();
    await dockerd.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
