/**
 * Issue 2's figures, Wharf's daemon and Docker's reference daemon side by side in one run:
 * - `docker run --rm --network none IMG true` ×20 through the real docker CLI, against each daemon;
 * - `./bin/wharf run --rm --network none IMG true` ×20 end to end vs the docker CLI → dockerd;
 * - 50 detached containers started in parallel;
 * - daemon idle RSS right after start and again after work (runs, parallel starts, a build,
 *   save/load, a push to and pull from a loopback registry), and per-container monitor
 *   (conmon vs containerd-shim) memory.
 * Run: node dist/bench/engine-run.bench.js   (as root, after scripts/setup.sh --test)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDockerd, startWharfDaemon, WHARF_BIN, type RunningDaemon } from '../test/support/daemons.js';
import { startDockerRegistry } from '../test/distribution-client/docker-registry.js';
import { median, pssBytes, report, rssBytes, timeCommand } from './bench-util.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 50);
const tag = `bench-${randomBytes(3).toString('hex')}`;

/** A docker CLI call that fails (rather than hangs the bench) after two minutes. */
function docker(d: RunningDaemon, ...args: string[]): string {
  return execFileSync('docker', ['-H', d.host, ...args], { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 120_000 });
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 10_000);

/** Work that loads the daemon's less common paths: build, save/load, push and pull. */
function moreWork(d: RunningDaemon, registryHost: string): void {
  const img = `${tag}:img`;
  const built = `${tag}:built-${d.kind}`;
  const limit = { timeout: 120_000, maxBuffer: 256 << 20 };
  execFileSync('docker', ['-H', d.host, 'build', '-q', '--network', 'none', '-t', built, '-'], { input: `FROM ${img}\nRUN echo hi > /hi\n`, stdio: ['pipe', 'ignore', 'pipe'], ...limit });
  const saved = execFileSync('docker', ['-H', d.host, 'save', built], limit);
  docker(d, 'rmi', built);
  execFileSync('docker', ['-H', d.host, 'load', '-q'], { input: saved, stdio: ['pipe', 'ignore', 'pipe'], ...limit });
  const remote = `${registryHost}/${tag}-${d.kind}:v1`;
  docker(d, 'tag', built, remote);
  docker(d, 'push', remote);
  docker(d, 'rmi', remote, built);
  docker(d, 'pull', remote);
  docker(d, 'rmi', remote);
  docker(d, 'ps', '-a');
  docker(d, 'images');
}

async function main(): Promise<void> {
  const wharf = await startWharfDaemon();
  const dockerd = await startDockerd();
  const registryDir = await mkdtemp(join(tmpdir(), 'bench-registry-'));
  const registry = await startDockerRegistry(registryDir);
  try {
    await sleep(2000);
    const startWharf = rssBytes(wharf.proc.pid!);
    const startDockerdRss = rssBytes(dockerd.proc.pid!);
    importBusybox(wharf);
    importBusybox(dockerd);
    const img = `${tag}:img`;
    const viaDockerWharf = await timedRuns('docker', ['-H', wharf.host, 'run', '--rm', '--network', 'none', img, 'true']);
    const viaDockerDockerd = await timedRuns('docker', ['-H', dockerd.host, 'run', '--rm', '--network', 'none', img, 'true']);
    // As a user runs it: the launcher itself (a sh script that starts node), not `node bin/wharf`.
    const viaWharfCli = await timedRuns(WHARF_BIN, ['-H', wharf.host, 'run', '--rm', '--network', 'none', img, 'true']);
    await sleep(IDLE_MS);
    const idleWharf = rssBytes(wharf.proc.pid!);
    const idleDockerd = rssBytes(dockerd.proc.pid!);
    report('engine: run latency (median of ' + RUNS + ')', [
      { name: 'docker CLI run --rm true', wharf: viaDockerWharf, peer: viaDockerDockerd, unit: 'ms', target: '<= 0.5' },
      { name: './bin/wharf vs docker CLI→dockerd run --rm true', wharf: viaWharfCli, peer: viaDockerDockerd, unit: 'ms', target: '<= 0.8' },
    ]);
    // Before the parallel starts: dockerd's legacy builder was seen to hang right after them.
    moreWork(wharf, registry.host);
    moreWork(dockerd, registry.host);
    const parWharf = await parallelStart(wharf);
    const monWharf = monitorMemory(wharf, 'wharf');
    removeAll(wharf);
    const parDocker = await parallelStart(dockerd);
    const monDocker = monitorMemory(dockerd, 'docker');
    report('engine: parallel starts', [
      { name: `${PARALLEL} detached containers in parallel`, wharf: parWharf, peer: parDocker, unit: 'ms', target: '<= 0.5' },
    ]);
    removeAll(wharf);
    removeAll(dockerd);
    await sleep(IDLE_MS);
    const workedWharf = rssBytes(wharf.proc.pid!);
    const workedDockerd = rssBytes(dockerd.proc.pid!);
    const mib = (x: number) => x / 2 ** 20;
    report('engine: memory', [
      { name: 'daemon idle RSS right after start', wharf: mib(startWharf), peer: mib(startDockerdRss), unit: 'MiB', target: 'wharf <= 60 MiB' },
      { name: `daemon idle RSS after the run series, ${IDLE_MS / 1000} s idle`, wharf: mib(idleWharf), peer: mib(idleDockerd), unit: 'MiB', target: 'wharf <= 60 MiB' },
      { name: `daemon idle RSS after all work, ${IDLE_MS / 1000} s idle`, wharf: mib(workedWharf), peer: mib(workedDockerd), unit: 'MiB', target: 'wharf <= 60 MiB' },
      { name: 'per-container monitor (PSS)', wharf: mib(monWharf), peer: mib(monDocker), unit: 'MiB', target: 'wharf <= 3 MiB' },
    ]);
  } finally {
    removeAll(wharf);
    removeAll(dockerd);
    await wharf.stop();
    await dockerd.stop();
    await registry.stop();
    await rm(registryDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
