/**
 * The API's HTTP contract where kubectl hides details: Status bodies and codes for bad
 * input, authentication, pagination, dryRun, fieldValidation, health and metrics.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiClient, type RawRequest, type RawResponse } from './api-client.js';
import { ensurePki, issueClientCert, type Pem } from '../../src/cluster/apiserver/certs.js';
import { startServer, type ServerProcess } from './server-process.js';

let s: ServerProcess;
let api: (r: RawRequest) => Promise<RawResponse>;
const ns = `h${Date.now().toString(36)}`;
const cmPath = `/api/v1/namespaces/${ns}/configmaps`;

before(async () => {
  s = await startServer();
  api = apiClient(s.url, s.dataDir, s.token);
  const r = await api({ method: 'POST', path: '/api/v1/namespaces', body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }) });
  assert.equal(r.status, 201);
});
after(async () => {
  await s?.stop();
});

const status = (r: RawResponse, code: number, reason: string): any => {
  assert.equal(r.status, code, r.body);
  const b = r.json();
  assert.equal(b.kind, 'Status');
  assert.equal(b.status, 'Failure');
  assert.equal(b.code, code);
  assert.equal(b.reason, reason);
  return b;
};

test('authentication: bearer token works, a wrong or missing token is 401; /version is public and uncached', async () => {
  assert.equal((await api({ path: '/api/v1/namespaces' })).status, 200);
  status(await api({ path: '/api/v1/namespaces', token: 'wrong' }), 401, 'Unauthorized');
  status(await api({ path: '/api/v1/namespaces', token: null }), 401, 'Unauthorized');
  const v = await api({ path: '/version', token: null });
  assert.equal(v.status, 200);
  assert.equal(v.json().minor, '32');
  assert.equal(v.headers['cache-control'], 'no-cache, private');
  const kubectl = s.kubectl(['--token=nope', 'get', 'ns']);
  assert.notEqual(kubectl.code, 0);
  assert.match(kubectl.stderr, /Unauthorized|provide credentials/);
  const good = s.kubectl([`--token=${s.token}`, 'get', 'ns', 'default', '-o', 'name']);
  assert.equal(good.stdout.trim(), 'namespace/default', good.stderr);
});

test('malformed JSON is 400, wrong kind/apiVersion 400, invalid fields 422 with field paths, duplicates 409', async () => {
  status(await api({ method: 'POST', path: cmPath, body: '{"apiVersion":' }), 400, 'BadRequest');
  status(await api({ method: 'POST', path: cmPath, body: JSON.stringify({ apiVersion: 'v2', kind: 'ConfigMap', metadata: { name: 'x' } }) }), 400, 'BadRequest');
  status(await api({ method: 'POST', path: cmPath, body: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } }) }), 400, 'BadRequest');
  const inv = status(
    await api({ method: 'POST', path: `/apis/apps/v1/namespaces/${ns}/deployments`, body: JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'BAD', labels: { 'bad key!': 'x' } }, spec: { replicas: -1, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c' }] } } } }) }),
    422,
    'Invalid',
  );
  const fields = inv.details.causes.map((c: { field: string }) => c.field);
  for (const f of ['metadata.name', 'metadata.labels', 'spec.replicas', 'spec.template.spec.containers[0].image']) assert.ok(fields.includes(f), `missing cause for ${f}: ${fields}`);
  assert.equal(inv.details.kind, 'Deployment');
  assert.equal(inv.details.group, 'apps');
  const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dup' } });
  assert.equal((await api({ method: 'POST', path: cmPath, body })).status, 201);
  const dup = status(await api({ method: 'POST', path: cmPath, body }), 409, 'AlreadyExists');
  assert.equal(dup.message, 'configmaps "dup" already exists');
  const nf = status(await api({ path: `${cmPath}/missing` }), 404, 'NotFound');
  assert.equal(nf.message, 'configmaps "missing" not found');
  status(await api({ path: '/apis/nope.example.com/v1/things' }), 404, 'NotFound');
  status(await api({ method: 'POST', path: '/api/v1/namespaces/no-such-ns/configmaps', body }), 404, 'NotFound');
});

test('stale resourceVersion is 409 Conflict; objects over 1.5 MiB are 413; nothing is stored half-way', async () => {
  const created = (await api({ method: 'POST', path: cmPath, body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cas' }, data: { v: '1' } }) })).json();
  const upd = await api({ method: 'PUT', path: `${cmPath}/cas`, body: JSON.stringify({ ...created, data: { v: '2' } }) });
  assert.equal(upd.status, 200);
  assert.notEqual(upd.json().metadata.resourceVersion, created.metadata.resourceVersion);
  const stale = status(await api({ method: 'PUT', path: `${cmPath}/cas`, body: JSON.stringify({ ...created, data: { v: '3' } }) }), 409, 'Conflict');
  assert.match(stale.message, /the object has been modified/);
  const big = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: { v: 'x'.repeat(1600 * 1024) } });
  status(await api({ method: 'POST', path: cmPath, body: big }), 413, 'RequestEntityTooLarge');
  assert.equal((await api({ path: `${cmPath}/big` })).status, 404);
  assert.equal((await api({ path: `${cmPath}/cas` })).json().data.v, '2');
});

test('dryRun=All validates and answers without storing', async () => {
  const r = await api({ method: 'POST', path: `${cmPath}?dryRun=All`, body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dry' }, data: { a: 'b' } }) });
  assert.equal(r.status, 201);
  assert.equal(r.json().metadata.name, 'dry');
  assert.equal((await api({ path: `${cmPath}/dry` })).status, 404);
  status(await api({ method: 'POST', path: `${cmPath}?dryRun=Some`, body: '{}' }), 400, 'BadRequest');
  const del = await api({ method: 'DELETE', path: `${cmPath}/cas?dryRun=All` });
  assert.equal(del.status, 200);
  assert.equal((await api({ path: `${cmPath}/cas` })).status, 200);
});

test('fieldValidation: Strict rejects, Warn stores and warns, Ignore stores silently', async () => {
  const body = (name: string): string => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: 'b' }, spurious: 1 });
  const strict = status(await api({ method: 'POST', path: `${cmPath}?fieldValidation=Strict`, body: body('fv1') }), 400, 'BadRequest');
  assert.match(strict.message, /strict decoding error: unknown field "spurious"/);
  const warn = await api({ method: 'POST', path: `${cmPath}?fieldValidation=Warn`, body: body('fv2') });
  assert.equal(warn.status, 201);
  assert.match(String(warn.headers.warning), /299 - "unknown field \\"spurious\\""/);
  assert.equal(warn.json().spurious, undefined, 'unknown field dropped');
  const ignore = await api({ method: 'POST', path: `${cmPath}?fieldValidation=Ignore`, body: body('fv3') });
  assert.equal(ignore.status, 201);
  assert.equal(ignore.headers.warning, undefined);
});

test('limit/continue pagination walks every object exactly once, with label selectors', async () => {
  for (let i = 0; i < 23; i++)
    assert.equal((await api({ method: 'POST', path: cmPath, body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `page-${String(i).padStart(2, '0')}`, labels: { page: i % 2 ? 'odd' : 'even' } } }) })).status, 201);
  const seen: string[] = [];
  let cont = '';
  let pages = 0;
  do {
    const r = (await api({ path: `${cmPath}?labelSelector=page&limit=5${cont ? `&continue=${encodeURIComponent(cont)}` : ''}` })).json();
    assert.ok(r.items.length <= 5);
    seen.push(...r.items.map((i: { metadata: { name: string } }) => i.metadata.name));
    cont = r.metadata.continue ?? '';
    pages++;
  } while (cont);
  assert.equal(pages, 5);
  assert.deepEqual(seen, Array.from({ length: 23 }, (_, i) => `page-${String(i).padStart(2, '0')}`));
  const odd = (await api({ path: `${cmPath}?labelSelector=page%3Dodd&limit=4` })).json();
  assert.equal(odd.items.length, 4);
  assert.ok(odd.items.every((i: { metadata: { labels: Record<string, string> } }) => i.metadata.labels.page === 'odd'));
  status(await api({ path: `${cmPath}?limit=5&continue=garbage` }), 400, 'BadRequest');
});

test('health endpoints and Prometheus metrics', async () => {
  for (const p of ['/healthz', '/livez', '/readyz']) {
    const r = await api({ path: p, token: null });
    assert.equal(r.status, 200);
    assert.equal(r.body, 'ok');
  }
  assert.match((await api({ path: '/readyz?verbose' })).body, /\[\+\]etcd ok[\s\S]*readyz check passed/);
  const m = await api({ path: '/metrics' });
  assert.equal(m.status, 200);
  assert.match(m.body, /^apiserver_request_total\{verb="POST",resource="configmaps",code="201"\} \d+$/m);
  assert.match(m.body, /^apiserver_request_duration_seconds_bucket\{verb="GET",resource="configmaps",le="\+Inf"\} \d+$/m);
  assert.match(m.body, /^process_resident_memory_bytes \d+$/m);
  assert.equal((await api({ path: '/metrics', token: null })).status, 401);
});

test('OpenAPI v3 declares fieldValidation on PATCH per GVK; v2 is served too', async () => {
  const idx = (await api({ path: '/openapi/v3' })).json();
  const url = idx.paths['apis/apps/v1'].serverRelativeURL as string;
  const doc = (await api({ path: url })).json();
  const patch = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
  assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: 'apps', version: 'v1', kind: 'Deployment' });
  assert.ok(patch.parameters.some((p: { name: string; in: string }) => p.name === 'fieldValidation' && p.in === 'query'));
  assert.ok(doc.components.schemas['io.k8s.api.apps.v1.Deployment']);
  const v2 = (await api({ path: '/openapi/v2' })).json();
  assert.equal(v2.swagger, '2.0');
  assert.ok(v2.definitions['io.k8s.api.core.v1.Pod']);
});

test('aggregated discovery (apidiscovery.k8s.io/v2) when asked for, plain discovery otherwise', async () => {
  const accept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';
  const agg = await api({ path: '/apis', headers: { Accept: accept } });
  assert.equal(agg.status, 200);
  assert.equal(agg.headers['content-type'], 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
  const apps = agg.json().items.find((g: { metadata: { name: string } }) => g.metadata.name === 'apps');
  const deploy = apps.versions[0].resources.find((r: { resource: string }) => r.resource === 'deployments');
  assert.deepEqual(deploy.responseKind, { group: 'apps', version: 'v1', kind: 'Deployment' });
  assert.equal(deploy.scope, 'Namespaced');
  assert.deepEqual(deploy.subresources.map((x: { subresource: string }) => x.subresource).sort(), ['scale', 'status']);
  const core = (await api({ path: '/api', headers: { Accept: accept } })).json();
  assert.ok(core.items[0].versions[0].resources.some((r: { resource: string }) => r.resource === 'pods'));
  const plain = await api({ path: '/apis' });
  assert.equal(plain.json().kind, 'APIGroupList');
  const list = (await api({ path: '/api/v1' })).json();
  assert.equal(list.kind, 'APIResourceList');
  const podSubs = list.resources.filter((r: { name: string }) => r.name.startsWith('pods/')).map((r: { name: string }) => r.name).sort();
  assert.deepEqual(podSubs, ['pods/attach', 'pods/binding', 'pods/ephemeralcontainers', 'pods/eviction', 'pods/exec', 'pods/log', 'pods/portforward', 'pods/status']);
});

test('pods/binding assigns a node once; node-agent subresources answer until an agent exists', async () => {
  const pods = `/api/v1/namespaces/${ns}/pods`;
  const created = await api({ method: 'POST', path: pods, body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bindme' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }) });
  assert.equal(created.status, 201);
  assert.equal(created.json().status.phase, 'Pending');
  const logs = status(await api({ path: `${pods}/bindme/log` }), 400, 'BadRequest');
  assert.match(logs.message, /does not have a host assigned/);
  const bind = await api({ method: 'POST', path: `${pods}/bindme/binding`, body: JSON.stringify({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bindme' }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-1' } }) });
  assert.equal(bind.status, 201);
  assert.equal((await api({ path: `${pods}/bindme` })).json().spec.nodeName, 'node-1');
  status(await api({ method: 'POST', path: `${pods}/bindme/binding`, body: JSON.stringify({ target: { name: 'node-2' } }) }), 409, 'Conflict');
});

test('deletecollection removes the selected objects and keeps the rest', async () => {
  const path = `/api/v1/namespaces/${ns}/secrets`;
  for (const [name, tier] of [['s1', 'a'], ['s2', 'a'], ['s3', 'b']])
    assert.equal((await api({ method: 'POST', path, body: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name, labels: { tier } }, stringData: { k: name } }) })).status, 201);
  const del = await api({ method: 'DELETE', path: `${path}?labelSelector=tier%3Da` });
  assert.equal(del.status, 200);
  assert.deepEqual(del.json().items.map((i: { metadata: { name: string } }) => i.metadata.name), ['s1', 's2']);
  const left = (await api({ path })).json();
  assert.deepEqual(left.items.map((i: { metadata: { name: string } }) => i.metadata.name), ['s3']);
  assert.equal(left.items[0].data.k, Buffer.from('s3').toString('base64'), 'stringData folded into data');
  assert.equal(left.items[0].stringData, undefined);
});

test('client certificates: signed by the cluster CA authenticate, others are 401', async () => {
  const ca = readFileSync(join(s.dataDir, 'tls', 'server-ca.crt'));
  const get = (pem: Pem): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = request(new URL('/api/v1/namespaces', s.url), { ca, cert: pem.cert, key: pem.key }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
  assert.equal(await get(await issueClientCert(join(s.dataDir, 'tls'), 'alice', ['dev'])), 200);
  const other = mkdtempSync(join(tmpdir(), 'wharf-otherca-'));
  try {
    const foreign = await ensurePki(other);
    assert.equal(await get(foreign.admin), 401);
  } finally {
    rmSync(other, { recursive: true, force: true });
  }
});
