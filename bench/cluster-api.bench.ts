/**
 * Issue 6's figures for `wharf server`, on the embedded SQLite store and on a local etcd:
 * - steady 200 writes/s with 50 concurrent watchers: mutating p99, single-get p99, and
 *   whether every watcher saw every event in order;
 * - 100,000 stored objects: time of a full paginated list (limit 500) and server RSS.
 * Run: node dist/bench/cluster-api.bench.js   (after scripts/setup.sh --test; needs etcd)
 * Knobs: BENCH_SECONDS (15), BENCH_RATE (200), BENCH_WATCHERS (50), BENCH_OBJECTS (100000),
 *        BENCH_BACKENDS (sqlite,etcd).
 */
import { Agent, request } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEtcd } from '../test/cluster/etcd-process.js';
import { startServer, type ServerProcess } from '../test/cluster/server-process.js';
import { Worker } from 'node:worker_threads';
import { rssBytes } from './bench-util.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const RATE = Number(process.env.BENCH_RATE ?? 200);
const WATCHERS = Number(process.env.BENCH_WATCHERS ?? 50);
const OBJECTS = Number(process.env.BENCH_OBJECTS ?? 100_000);
const BACKENDS = (process.env.BENCH_BACKENDS ?? 'sqlite,etcd').split(',');

interface Client {
  call(method: string, path: string, body?: unknown, contentType?: string): Promise<{ status: number; body: string; ms: number }>;
}

function client(s: ServerProcess): Client {
  const ca = readFileSync(join(s.dataDir, 'tls', 'server-ca.crt'));
  const agent = new Agent({ keepAlive: true, maxSockets: 64, ca });
  const headers = { Authorization: `Bearer ${s.token}`, Accept: 'application/json' };
  return {
    call(method, path, body, contentType = 'application/json') {
      const t0 = process.hrtime.bigint();
      return new Promise((resolve, reject) => {
        const req = request(new URL(path, s.url), { method, agent, headers: { ...headers, ...(body !== undefined ? { 'Content-Type': contentType } : {}) } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
        });
        req.on('error', reject);
        if (body !== undefined) req.write(JSON.stringify(body));
        req.end();
      });
    }
  };
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};

async function steadyLoad(c: Client, s: ServerProcess, ns: string): Promise<void> {
  const base = `/api/v1/namespaces/${ns}/configmaps`;
  const pool = 200;
  for (let i = 0; i < pool; i++) await c.call('POST', base, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `obj-${i}` }, data: { i: '0' } });
  const list = JSON.parse((await c.call('GET', base)).body);
  const worker = new Worker(new URL('./cluster-watchers.worker.js', import.meta.url), {
    workerData: { url: s.url, token: s.token, ca: readFileSync(join(s.dataDir, 'tls', 'server-ca.crt'), 'utf8'), watchers: WATCHERS, path: `${base}?watch=true&resourceVersion=${list.metadata.resourceVersion}` },
  });
  await new Promise((r) => worker.once('message', r));
  await new Promise((r) => setTimeout(r, 500));
  const writeMs: number[] = [];
  const getMs: number[] = [];
  const total = SECONDS * RATE;
  const inflight: Promise<void>[] = [];
  const t0 = Date.now();
  let failures = 0;
  for (let i = 0; i < total; i++) {
    const wait = t0 + (i * 1000) / RATE - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inflight.push(
      (async () => {
        const r = await c.call('PATCH', `${base}/obj-${i % pool}`, { data: { i: String(i + 1) } }, 'application/merge-patch+json');
        if (r.status !== 200) failures++;
        writeMs.push(r.ms);
        if (i % 4 === 0) getMs.push((await c.call('GET', `${base}/obj-${(i * 7) % pool}`)).ms);
      })(),
    );
  }
  await Promise.all(inflight);
  const elapsed = (Date.now() - t0) / 1000;
  worker.postMessage({ expect: total });
  const result = await new Promise<{ stats: { events: number; ordered: boolean }[] }>((r) => worker.once('message', r));
  await worker.terminate();
  const complete = result.stats.filter((x) => x.events === total).length;
  const ordered = result.stats.filter((x) => x.ordered).length;
  console.log(`  writes: ${total} in ${elapsed.toFixed(1)} s (${(total / elapsed).toFixed(0)}/s), failures ${failures}`);
  console.log(`  mutating p50 ${pct(writeMs, 50).toFixed(1)} ms, p99 ${pct(writeMs, 99).toFixed(1)} ms (target <= 100 ms)`);
  console.log(`  single get p50 ${pct(getMs, 50).toFixed(1)} ms, p99 ${pct(getMs, 99).toFixed(1)} ms (target <= 20 ms)`);
  console.log(`  watchers that saw every event: ${complete}/${WATCHERS}; in resourceVersion order: ${ordered}/${WATCHERS}`);
}

async function bigList(c: Client, s: ServerProcess, ns: string): Promise<void> {
  const base = `/api/v1/namespaces/${ns}/configmaps`;
  const t0 = Date.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < OBJECTS) {
      const i = next++;
      const r = await c.call('POST', base, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `big-${i}` }, data: { k: 'v' } });
      if (r.status !== 201) throw new Error(`create failed: ${r.status} ${r.body}`);
    }
  };
  await Promise.all(Array.from({ length: 48 }, worker));
  console.log(`  stored ${OBJECTS} objects in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const l0 = Date.now();
  let count = 0;
  let cont = '';
  do {
    const page = JSON.parse((await c.call('GET', `${base}?limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`)).body);
    count += page.items.length;
    cont = page.metadata.continue ?? '';
  } while (cont);
  console.log(`  full paginated list: ${count} objects in ${((Date.now() - l0) / 1000).toFixed(2)} s (target <= 2 s)`);
  console.log(`  server RSS: ${(rssBytes(s.proc.pid!) / 1048576).toFixed(0)} MiB (target <= 300 MiB)`);
}

for (const backend of BACKENDS) {
  const etcd = backend === 'etcd' ? await startEtcd() : undefined;
  const s = await startServer({ extraArgs: etcd ? ['--datastore-endpoint', etcd.endpoint] : [] });
  try {
    console.log(`\n== wharf server on ${backend}`);
    const c = client(s);
    await c.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
    await c.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'big' } });
    await steadyLoad(c, s, 'bench');
    await bigList(c, s, 'big');
  } finally {
    await s.stop();
    await etcd?.stop();
  }
}
