/**
 * Issue 3's server figure: 32 concurrent pullers of one image (a few tens of MB of random
 * layers) from Wharf's registry and from Docker's reference registry (Debian docker-registry)
 * on the same data, in one run. Prints each throughput and the ratio (target: Wharf ≥ 1.0×).
 * Run: node dist/bench/registry-pull.bench.js   (after scripts/setup.sh --test)
 * Knobs: BENCH_PULLERS (32), BENCH_LAYERS (4), BENCH_LAYER_MB (10), BENCH_ROUNDS (3), BENCH_WORKERS
 * (Wharf's --workers; its default otherwise).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pushImage, sha256, type TestImage } from '../test/registry/helpers.js';
import { median } from './bench-util.js';

const PULLERS = Number(process.env.BENCH_PULLERS ?? 32);
const LAYERS = Number(process.env.BENCH_LAYERS ?? 4);
const LAYER_MB = Number(process.env.BENCH_LAYER_MB ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CLI_MODULE = fileURLToPath(new URL('../src/distribution/registry-cli.js', import.meta.url));

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

async function waitUp(url: string, proc: ChildProcess, logs: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (proc.exitCode !== null) throw new Error(`registry exited: ${logs()}`);
    if (await fetch(`${url}/v2/`).then((r) => r.status === 200, () => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`registry at ${url} did not come up: ${logs()}`);
}

interface Peer {
  name: string;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** CPU seconds a process and its live descendants (registry workers) have used so far. */
function cpuSeconds(pid: number): number {
  let total = ownCpuSeconds(pid);
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean)) {
      total += cpuSeconds(Number(child));
    }
  }
  return total;
}

function ownCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  // After the command name: utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 here.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function launch(name: string, cmd: string, args: string[], url: string): Promise<Peer> {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr!.on('data', (c) => (log = (log + c).slice(-4000)));
  const stop = async () => {
    if (proc.exitCode === null) {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    }
  };
  return waitUp(url, proc, () => log).then(() => ({ name, url, pid: proc.pid!, stop }), async (err) => {
    await stop();
    throw err;
  });
}

async function startWharf(root: string): Promise<Peer> {
  const port = await freePort();
  const args = ['serve', '--addr', `127.0.0.1:${port}`, '--root', root, ...(process.env.BENCH_WORKERS ? ['--workers', process.env.BENCH_WORKERS] : [])];
  const code = `import(${JSON.stringify(CLI_MODULE)}).then((m) => m.runRegistryCommand(${JSON.stringify(args)})).then((c) => process.exit(c))`;
  return launch('wharf registry', process.execPath, ['--input-type=module', '-e', code], `http://127.0.0.1:${port}`);
}

async function startDockerRegistry(root: string): Promise<Peer> {
  const port = await freePort();
  const config = join(root, 'config.yml');
  // Access logging off so the peer is not slowed by per-request log lines.
  await writeFile(config, [
    'version: 0.1',
    'log:', '  level: error', '  accesslog:', '    disabled: true',
    'storage:', '  filesystem:', `    rootdirectory: ${join(root, 'data')}`, '  delete:', '    enabled: true',
    'http:', `  addr: 127.0.0.1:${port}`,
  ].join('\n'));
  return launch('docker-registry', '/usr/bin/docker-registry', ['serve', config], `http://127.0.0.1:${port}`);
}

/** Reads a URL to the end on a keep-alive agent; resolves with the byte count. */
function download(agent: Agent, url: string, accept?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { agent, headers: accept ? { accept } : {} }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`${url}: ${res.statusCode}`));
        return;
      }
      let n = 0;
      res.on('data', (c: Buffer) => (n += c.length));
      res.on('end', () => resolve(n));
      res.on('error', reject);
    }).on('error', reject);
  });
}

/** One client pulling the whole image: manifest, then config and layers three at a time, as dockerd does. */
async function pullOnce(agent: Agent, base: string, image: TestImage): Promise<number> {
  const sizes = [await download(agent, `${base}/v2/bench/image/manifests/latest`, 'application/vnd.oci.image.manifest.v1+json')];
  const queue = [image.config, ...image.layers].map((b) => `${base}/v2/bench/image/blobs/${sha256(b)}`);
  const workers = Array.from({ length: 3 }, async () => {
    for (let u = queue.shift(); u; u = queue.shift()) sizes.push(await download(agent, u));
  });
  await Promise.all(workers);
  return sizes.reduce((s, n) => s + n, 0);
}

/** 32 pullers at once; MB/s over the wall time, and the server's CPU seconds per GB served. */
async function measure(peer: Peer, image: TestImage): Promise<{ mbps: number; cpuPerGb: number }> {
  const agents = Array.from({ length: PULLERS }, () => new Agent({ keepAlive: true, maxSockets: 3 }));
  try {
    const cpu0 = cpuSeconds(peer.pid);
    const t0 = process.hrtime.bigint();
    const bytes = await Promise.all(agents.map((a) => pullOnce(a, peer.url, image)));
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = cpuSeconds(peer.pid) - cpu0;
    const expected = image.manifest.length + image.config.length + image.layers.reduce((s, l) => s + l.length, 0);
    for (const b of bytes) if (b !== expected) throw new Error(`${peer.name}: a puller got ${b} bytes, expected ${expected}`);
    const total = bytes.reduce((s, b) => s + b, 0);
    return { mbps: total / 1e6 / seconds, cpuPerGb: cpu / (total / 1e9) };
  } finally {
    for (const a of agents) a.destroy();
  }
}

async function main(): Promise<void> {
  const base = await mkdtemp(join(tmpdir(), 'wharf-bench-registry-'));
  const peers: Peer[] = [];
  try {
    const layers = Array.from({ length: LAYERS }, () => randomBytes(LAYER_MB * 1024 * 1024));
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map(sha256) } }));
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
      layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256(l), size: l.length })),
    }));
    const image: TestImage = { layers, config, manifest, manifestDigest: sha256(manifest) };

    const wharf = await startWharf(join(base, 'wharf'));
    peers.push(wharf);
    const reference = await startDockerRegistry(await mkdtemp(join(base, 'docker-')));
    peers.push(reference);
    for (const p of peers) await pushImage(p.url, 'bench/image', 'latest', image);

    const results = new Map<string, number[]>(peers.map((p) => [p.name, []]));
    const cpu = new Map<string, number[]>(peers.map((p) => [p.name, []]));
    for (const p of peers) await measure(p, image); // warm the page cache and both servers
    for (let r = 0; r < ROUNDS; r++) {
      for (const p of r % 2 ? [...peers].reverse() : peers) {
        const m = await measure(p, image);
        results.get(p.name)!.push(m.mbps);
        cpu.get(p.name)!.push(m.cpuPerGb);
      }
    }
    const w = median(results.get(wharf.name)!);
    const d = median(results.get(reference.name)!);
    const totalMb = ((manifest.length + config.length + LAYERS * LAYER_MB * 1024 * 1024) / 1e6) * PULLERS;
    console.log(`\n== registry pull: ${PULLERS} concurrent pullers × ${LAYERS} layers × ${LAYER_MB} MiB (${totalMb.toFixed(0)} MB per round), median of ${ROUNDS}`);
    for (const p of peers) {
      const runs = results.get(p.name)!.map((x) => x.toFixed(0)).join(', ');
      console.log(`${p.name.padEnd(18)} ${median(results.get(p.name)!).toFixed(0).padStart(7)} MB/s   server CPU ${median(cpu.get(p.name)!).toFixed(2)} s/GB   (runs: ${runs})`);
    }
    console.log(`ratio wharf/docker ${(w / d).toFixed(2)}   (target ≥ 1.00)`);
  } finally {
    for (const p of peers) await p.stop();
    await rm(base, { recursive: true, force: true });
  }
}

await main();
