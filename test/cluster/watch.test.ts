/**
 * Watches: kubectl get -w, resumption from a resourceVersion, selector-aware events,
 * bookmarks, and 410 Expired once history is compacted.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiClient, watchStream, type RawRequest, type RawResponse } from './api-client.js';
import { startServer, type ServerProcess } from './server-process.js';

let s: ServerProcess;
let api: (r: RawRequest) => Promise<RawResponse>;
const ns = `w${Date.now().toString(36)}`;
const cmPath = `/api/v1/namespaces/${ns}/configmaps`;
const cm = (name: string, labels: Record<string, string> = {}, data: Record<string, string> = {}): string => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data });

before(async () => {
  s = await startServer({ extraArgs: ['--bookmark-interval', '200', '--watch-history', '20'] });
  api = apiClient(s.url, s.dataDir, s.token);
  assert.equal((await api({ method: 'POST', path: '/api/v1/namespaces', body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }) })).status, 201);
});
after(async () => {
  await s?.stop();
});

const waitUntil = async (cond: () => boolean, what: string, ms = 15_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

test('kubectl get -w prints the list, then every change as it happens', async () => {
  assert.equal((await api({ method: 'POST', path: cmPath, body: cm('first') })).status, 201);
  const w = s.kubectlAsync(['get', 'configmaps', '-n', ns, '-w', '--output-watch-events']);
  try {
    await waitUntil(() => /first/.test(w.output()), 'initial list');
    assert.equal((await api({ method: 'POST', path: cmPath, body: cm('second') })).status, 201);
    await waitUntil(() => /ADDED\s+second/.test(w.output()), 'ADDED second');
    assert.equal((await api({ method: 'PATCH', path: `${cmPath}/second`, body: '{"data":{"x":"1"}}', headers: { 'Content-Type': 'application/merge-patch+json' } })).status, 200);
    await waitUntil(() => /MODIFIED\s+second\s+1/.test(w.output()), 'MODIFIED second');
    assert.equal((await api({ method: 'DELETE', path: `${cmPath}/second` })).status, 200);
    await waitUntil(() => /DELETED\s+second/.test(w.output()), 'DELETED second');
  } finally {
    w.proc.kill();
    await w.done;
  }
});

test('a watch resumes from a resourceVersion and sees each later change once, in order', async () => {
  const list = (await api({ path: cmPath })).json();
  const rv = list.metadata.resourceVersion;
  await api({ method: 'POST', path: cmPath, body: cm('r1') });
  await api({ method: 'PATCH', path: `${cmPath}/r1`, body: '{"data":{"v":"2"}}', headers: { 'Content-Type': 'application/merge-patch+json' } });
  await api({ method: 'DELETE', path: `${cmPath}/r1` });
  const w = watchStream(s.url, s.dataDir, s.token, `${cmPath}?watch=true&resourceVersion=${rv}`);
  try {
    await w.waitFor(3);
    assert.deepEqual(w.events.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED r1', 'MODIFIED r1', 'DELETED r1']);
    const rvs = w.events.map((e) => Number(e.object.metadata.resourceVersion));
    assert.deepEqual([...rvs].sort((a, b) => a - b), rvs);
    assert.ok(rvs[0] > Number(rv));
  } finally {
    w.close();
  }
});

test('label-selected watches turn objects leaving the selection into DELETED', async () => {
  const list = (await api({ path: cmPath })).json();
  const w = watchStream(s.url, s.dataDir, s.token, `${cmPath}?watch=1&labelSelector=app%3Dsel&resourceVersion=${list.metadata.resourceVersion}`);
  try {
    await api({ method: 'POST', path: cmPath, body: cm('sel1', { app: 'sel' }) });
    await api({ method: 'POST', path: cmPath, body: cm('other', { app: 'no' }) });
    await api({ method: 'PATCH', path: `${cmPath}/sel1`, body: '{"metadata":{"labels":{"app":"gone"}}}', headers: { 'Content-Type': 'application/merge-patch+json' } });
    await w.waitFor(2);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(w.events.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED sel1', 'DELETED sel1']);
  } finally {
    w.close();
  }
});

test('bookmarks carry the current resourceVersion when asked for', async () => {
  const list = (await api({ path: cmPath })).json();
  const w = watchStream(s.url, s.dataDir, s.token, `${cmPath}?watch=true&allowWatchBookmarks=true&resourceVersion=${list.metadata.resourceVersion}`);
  try {
    await api({ method: 'POST', path: cmPath, body: cm('bm') });
    await w.waitFor(2);
    const bm = w.events.find((e) => e.type === 'BOOKMARK');
    assert.ok(bm, JSON.stringify(w.events));
    assert.equal(bm.object.kind, 'ConfigMap');
    assert.ok(Number(bm.object.metadata.resourceVersion) >= Number(list.metadata.resourceVersion));
  } finally {
    w.close();
  }
});

test('watching from a compacted resourceVersion ends with a 410 Expired ERROR event', async () => {
  for (let i = 0; i < 60; i++) await api({ method: 'PATCH', path: `${cmPath}/bm`, body: JSON.stringify({ data: { i: String(i) } }), headers: { 'Content-Type': 'application/merge-patch+json' } });
  const w = watchStream(s.url, s.dataDir, s.token, `${cmPath}?watch=true&resourceVersion=2`);
  await w.ended;
  assert.equal(await w.status, 200);
  assert.equal(w.events.length, 1);
  assert.equal(w.events[0].type, 'ERROR');
  assert.equal(w.events[0].object.code, 410);
  assert.equal(w.events[0].object.reason, 'Expired');
  assert.match(w.events[0].object.message, /too old resource version: 2/);
});
