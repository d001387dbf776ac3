/**
 * Worker thread for bench/cluster-api.bench.ts: holds the 50 watch streams so their parsing
 * does not delay the latency measurements of the main thread. Reports, per watcher, how
 * many events arrived and whether their resourceVersions kept increasing.
 */
import { request } from 'node:https';
import { parentPort, workerData } from 'node:worker_threads';

interface Data {
  url: string;
  path: string;
  token: string;
  ca: string;
  watchers: number;
}
const d = workerData as Data;
const stats = Array.from({ length: d.watchers }, () => ({ events: 0, ordered: true, last: 0 }));
const reqs = stats.map((st) => {
  let buf = '';
  const req = request(new URL(d.path, d.url), { ca: d.ca, headers: { Authorization: `Bearer ${d.token}`, Accept: 'application/json' } }, (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const m = /"resourceVersion":"(\d+)"/.exec(line);
        if (!m) continue;
        const rv = Number(m[1]);
        if (rv <= st.last) st.ordered = false;
        st.last = rv;
        st.events++;
      }
    });
  });
  req.on('error', () => undefined);
  req.end();
  return req;
});
parentPort!.postMessage({ ready: true });
parentPort!.on('message', async (msg: { expect: number }) => {
  const end = Date.now() + 30_000;
  while (Date.now() < end && stats.some((s) => s.events < msg.expect)) await new Promise((r) => setTimeout(r, 100));
  for (const r of reqs) r.destroy();
  parentPort!.postMessage({ stats });
});
