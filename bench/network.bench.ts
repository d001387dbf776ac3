/**
 * Issue 5's figures, Wharf's daemon and Docker's reference daemon (its bridge networking on,
 * on a private bridge and subnets, see bridged-dockerd.ts) side by side in one run, both
 * driven by the real docker CLI with the same busybox image:
 * 1. `docker run --rm IMG true` on the default bridge (no --network), median of BENCH_RUNS;
 * 2. `docker run -d -p 127.0.0.1::8080 IMG httpd` until the published port answers: from the
 *    CLI's start to the first byte of an HTTP response read from 127.0.0.1:<host port> (a bare
 *    connect is not enough: Docker's userland proxy accepts before the server listens);
 * 3. container-to-container TCP throughput on a user network, by name: a client pipes
 *    BENCH_MB MiB of zeros into `nc server 5001`; the server times, with `time dd`, from the
 *    first byte received to the end of the stream, so container starts, DNS and dd's start-up
 *    are outside the window. BENCH_REPS repetitions, the two daemons alternating.
 * Everything stays on this machine: loopback, the two daemons' bridges, no masquerading.
 * Run: node dist/bench/network.bench.js   (as root, after scripts/setup.sh --test)
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { connect } from 'node:net';
import { busyboxRootfsTar } from '../test/support/busybox-rootfs.js';
import { startWharfDaemon } from '../test/support/daemons.js';
import { median, report, timeCommand } from './bench-util.js';
import { startBridgedDockerd } from './bridged-dockerd.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
// Many short transfers rather than a few long ones: other work on a small shared machine comes
// in bursts, and a median over many alternating samples rides them out better.
const REPS = Number(process.env.BENCH_REPS ?? 10);
const MB = Number(process.env.BENCH_MB ?? 200);
const tag = `netbench-${randomBytes(3).toString('hex')}`;
const img = `${tag}:img`;
/** Which figures to run, e.g. BENCH_FIGURES=3 while working on one. */
const FIGURES = new Set((process.env.BENCH_FIGURES ?? '1,2,3').split(',').map(Number));

interface Side {
  kind: 'wharf' | 'docker';
  host: string;
  socket: string;
}

function docker(d: Side, args: string[], input?: Buffer): string {
  return execFileSync('docker', ['-H', d.host, ...args], { encoding: 'utf8', input, maxBuffer: 64 << 20 });
}

function dockerAsync(d: Side, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('docker', ['-H', d.host, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 }, (err, out, stderr) => (err ? reject(new Error(`docker ${args.join(' ')}: ${stderr || err.message}`)) : resolve(out)));
  });
}

const now = () => Number(process.hrtime.bigint()) / 1e6;

/** Runs `fn` for each side in turn, alternating which goes first, so load drift on a shared machine hits both alike. */
async function alternate<T>(sides: [Side, Side], times: number, fn: (d: Side, i: number) => Promise<T>): Promise<[T[], T[]]> {
  const out: [T[], T[]] = [[], []];
  for (let i = 0; i < times; i++) {
    const order = i % 2 ? [1, 0] : [0, 1];
    for (const k of order) out[k]!.push(await fn(sides[k]!, i));
  }
  return out;
}

// ---- figure 2: published port to first byte

function inspectPort(socket: string, id: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, path: `/containers/${id}/json`, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => {
        const port = JSON.parse(body)?.NetworkSettings?.Ports?.['8080/tcp']?.[0]?.HostPort;
        port ? resolve(Number(port)) : reject(new Error(`no published port for 8080/tcp: ${body.slice(0, 300)}`));
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** One attempt: connect, send a request, resolve true on the first byte back, false on refusal, reset or close. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(2000, () => done(false));
    s.on('connect', () => s.write('GET / HTTP/1.0\r\n\r\n'));
    s.on('data', () => done(true));
    s.on('error', () => done(false));
    s.on('close', () => done(false));
  });
}

async function publishToFirstByte(d: Side, i: number): Promise<number> {
  const name = `${tag}-web${i}`;
  const t0 = now();
  const id = (await dockerAsync(d, ['run', '-d', '--name', name, '-p', '127.0.0.1::8080', img, 'httpd', '-f', '-p', '8080'])).trim();
  const port = await inspectPort(d.socket, id);
  const deadline = t0 + 15000;
  while (!(await answers(port))) {
    if (now() > deadline) throw new Error(`${d.kind}: 127.0.0.1:${port} never answered`);
    await new Promise((r) => setTimeout(r, 2));
  }
  const ms = now() - t0;
  await dockerAsync(d, ['rm', '-f', id]);
  return ms;
}

// ---- figure 3: throughput between two containers on a user network

async function waitLogs(d: Side, name: string, pattern: RegExp, ms: number): Promise<string> {
  const deadline = now() + ms;
  for (;;) {
    const logs = await dockerAsync(d, ['logs', name]).catch(() => '');
    const both = logs;
    if (pattern.test(both)) return both;
    if (now() > deadline) throw new Error(`${d.kind}: ${name} printed no result: ${both.slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** MiB/s from the first byte at the server to the end of the stream. */
async function transfer(d: Side, net: string, i: number): Promise<number> {
  const server = `${tag}-srv${i}`;
  // The 1-byte dd waits for the stream to begin; the timed dd then drains the rest. `sleep |`
  // keeps nc's stdin open: on stdin EOF busybox nc half-closes, and the client would stop.
  const serve = 'sleep 100000 | nc -l -p 5001 | (dd bs=1 count=1 of=/dev/null 2>/dev/null; time dd of=/dev/null bs=1M iflag=fullblock) 2>&1';
  await dockerAsync(d, ['run', '-d', '--network', net, '--name', server, img, 'sh', '-c', serve]);
  try {
    // The client retries until the server listens (the bench does not probe the one-shot listener itself).
    const send = `i=0; until dd if=/dev/zero bs=1M count=${MB} 2>/dev/null | nc ${server} 5001; do i=$((i+1)); [ $i -ge 100 ] && exit 1; sleep 0.05; done`;
    await dockerAsync(d, ['run', '--rm', '--network', net, img, 'sh', '-c', send]);
    const logs = await waitLogs(d, server, /real\s+\d+m\s*[\d.]+s/, 30000);
    const rec = /(\d+)\+(\d+) records in/.exec(logs);
    if (!rec || Number(rec[1]) !== MB - 1 || Number(rec[2]) !== 1) throw new Error(`${d.kind}: incomplete transfer: ${logs}`);
    const [, min, sec] = /real\s+(\d+)m\s*([\d.]+)s/.exec(logs)!;
    const seconds = Number(min) * 60 + Number(sec);
    return MB / Math.max(seconds, 0.01);
  } finally {
    await dockerAsync(d, ['rm', '-f', server]).catch(() => {});
  }
}

async function main(): Promise<void> {
  const tar = await busyboxRootfsTar();
  const wharfd = await startWharfDaemon();
  let dockerd: Awaited<ReturnType<typeof startBridgedDockerd>> | undefined;
  const wharf: Side = { kind: 'wharf', host: wharfd.host, socket: wharfd.socket };
  const net = `${tag}-net`;
  try {
    dockerd = await startBridgedDockerd();
    const peer: Side = { kind: 'docker', host: dockerd.host, socket: dockerd.socket };
    const sides: [Side, Side] = [wharf, peer];
    for (const d of sides) docker(d, ['import', '-', img], tar);
    console.log(`dockerd: bridge ${dockerd.bridge} ${dockerd.subnet}, user networks from ${dockerd.pool}`);

    const runArgs = (d: Side) => ['-H', d.host, 'run', '--rm', img, 'true'];
    for (const d of sides) await timeCommand('docker', runArgs(d)); // warm-up, both figures

    if (FIGURES.has(1)) {
      const [runW, runD] = await alternate(sides, RUNS, (d) => timeCommand('docker', runArgs(d)));
      report(`network: run --rm true on the default bridge (median of ${RUNS})`, [
        { name: 'docker CLI run --rm IMG true', wharf: median(runW), peer: median(runD), unit: 'ms', target: '<= 0.5' },
      ]);
    }

    if (FIGURES.has(2)) {
      const [pubW, pubD] = await alternate(sides, RUNS, publishToFirstByte);
      report(`network: run -d -p 127.0.0.1::8080 to first byte (median of ${RUNS})`, [
        { name: 'run -d -p, first response on host port', wharf: median(pubW), peer: median(pubD), unit: 'ms', target: '<= 0.5' },
      ]);
    }

    if (FIGURES.has(3)) {
      // dockerd's --ip-masq=false covers only its default bridge; user networks masquerade unless told not to.
      for (const d of sides) docker(d, ['network', 'create', '-o', 'com.docker.network.bridge.enable_ip_masquerade=false', net]);
      const [tpW, tpD] = await alternate(sides, REPS, (d, i) => transfer(d, net, i));
      console.log(`throughput samples MiB/s: wharf ${tpW.map((x) => x.toFixed(0)).join(' ')} | docker ${tpD.map((x) => x.toFixed(0)).join(' ')}`);
      // Each pair ran back to back, so its ratio is the least disturbed by load that comes and goes.
      console.log(`median of the ${REPS} back-to-back pair ratios: ${median(tpW.map((w, i) => w / tpD[i]!)).toFixed(2)}`);
      report(`network: container-to-container TCP on a user network (${MB} MiB, median of ${REPS})`, [
        { name: 'throughput by name over a user bridge', wharf: median(tpW), peer: median(tpD), unit: 'MiB/s', target: '>= 0.9' },
      ]);
    }
  } finally {
    for (const d of [wharf, ...(dockerd ? [{ kind: 'docker' as const, host: dockerd.host, socket: dockerd.socket }] : [])]) {
      const ids = await dockerAsync(d, ['ps', '-aq']).catch(() => '');
      if (ids.trim()) await dockerAsync(d, ['rm', '-f', ...ids.trim().split('\n')]).catch(() => {});
      await dockerAsync(d, ['network', 'rm', net]).catch(() => {});
    }
    await wharfd.stop();
    if (dockerd) {
      const { removed, left } = await dockerd.stop();
      if (left.length) console.error(`left behind by dockerd (not removed):\n${left.join('\n')}`);
      else console.log(`dockerd stopped; its bridges and the ${removed} iptables rules and chains it added are removed`);
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
