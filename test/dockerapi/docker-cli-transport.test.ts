import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { docker, httpRequest, serveApi, type TestApi } from './api-harness.js';
import { TransportTestEngine } from './transport-test-engine.js';

/**
 * The real docker CLI against the API server, with the transport test double behind it:
 * these tests cover the HTTP layer (negotiation, error shapes, hijacking, wait timing,
 * framing), not the engine.
 */
describe('docker CLI against the API transport', () => {
  let api: TestApi;
  let engine: TransportTestEngine;
  before(async () => {
    engine = new TransportTestEngine();
    api = await serveApi(engine);
  });
  after(() => api.close());

  it('docker version shows a server section and negotiates API 1.45', async () => {
    const r = await docker(api.host, ['version', '--format', '{{.Server.APIVersion}} {{.Client.APIVersion}} {{.Server.MinAPIVersion}}']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), '1.45 1.45 1.24');
    const full = await docker(api.host, ['version']);
    assert.equal(full.code, 0, full.stderr);
    assert.match(full.stdout, /Server: Wharf transport test double/);
  });

  it('docker info prints the engine info', async () => {
    const r = await docker(api.host, ['info', '--format', '{{.ID}} {{.OSType}}']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'transport-test linux');
  });

  it('docker inspect of an unknown name reports no such object', async () => {
    const r = await docker(api.host, ['inspect', 'nosuch']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error: No such object: nosuch$/m);
  });

  it('docker rm of an unknown container shows the daemon error', async () => {
    const r = await docker(api.host, ['rm', 'nosuch']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Error response from daemon: No such container: nosuch/);
  });

  it('docker run --rm streams framed stdout/stderr and exits with the container code', async () => {
    const r = await docker(api.host, ['run', '--rm', 'img', 'hello out\n', 'hello err\n', '3']);
    assert.equal(r.stdout, 'hello out\n');
    assert.equal(r.stderr, 'hello err\n');
    assert.equal(r.code, 3);
    assert.equal(engine.byId.size, 0, 'AutoRemove container is gone');
  });

  it('docker run -i passes stdin through the hijacked connection', async () => {
    const r = await docker(api.host, ['run', '-i', '--rm', 'img'], { input: 'echo me\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'echo me\n');
  });

  it('docker logs demultiplexes frames and prefixes timestamps', async () => {
    const c = await docker(api.host, ['create', '--name', 'logsy', 'img', 'o1\n', 'e1\n']);
    assert.equal(c.code, 0, c.stderr);
    const r = await docker(api.host, ['logs', '-t', 'logsy']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '2024-01-02T03:04:05.000000006Z o1\n');
    assert.equal(r.stderr, '2024-01-02T03:04:05.000000006Z e1\n');
  });

  it('an unknown route is a 404 page not found, with and without a version prefix', async () => {
    for (const path of ['/nosuch/route', '/v1.45/nosuch/route', '/v1.41/containers/x/nosuch']) {
      const r = await httpRequest(api.socket, 'GET', path);
      assert.equal(r.status, 404, path);
      assert.deepEqual(JSON.parse(r.body), { message: 'page not found' });
      assert.equal(r.headers['api-version'], '1.45');
      assert.equal(r.headers['ostype'], 'linux');
      assert.ok(r.headers['server']);
    }
  });

  it('a version outside 1.24–1.45 is refused with dockerd wording', async () => {
    const high = await httpRequest(api.socket, 'GET', '/v1.99/version');
    assert.equal(high.status, 400);
    assert.equal(JSON.parse(high.body).message, 'client version 1.99 is too new. Maximum supported API version is 1.45');
    const low = await httpRequest(api.socket, 'GET', '/v1.12/info');
    assert.equal(low.status, 400);
    assert.match(JSON.parse(low.body).message, /client version 1.12 is too old/);
  });

  it('/_ping answers GET and HEAD with the negotiation headers', async () => {
    const get = await httpRequest(api.socket, 'GET', '/_ping');
    assert.equal(get.status, 200);
    assert.equal(get.body, 'OK');
    const head = await httpRequest(api.socket, 'HEAD', '/_ping');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    for (const h of [get.headers, head.headers]) {
      assert.equal(h['api-version'], '1.45');
      assert.equal(h['ostype'], 'linux');
      assert.equal(h['docker-experimental'], 'false');
      assert.equal(h['cache-control'], 'no-cache, no-store, must-revalidate');
      assert.equal(h['pragma'], 'no-cache');
    }
  });

  it('bad JSON bodies and bad filters are 400 with a message', async () => {
    const bad = await httpRequest(api.socket, 'POST', '/v1.45/containers/create', '{not json', { 'Content-Type': 'application/json' });
    assert.equal(bad.status, 400);
    assert.match(JSON.parse(bad.body).message, /invalid JSON/);
    const empty = await httpRequest(api.socket, 'POST', '/containers/create', '');
    assert.equal(empty.status, 400);
    assert.equal(JSON.parse(empty.body).message, 'config cannot be empty in order to create a container');
    const filters = await httpRequest(api.socket, 'GET', '/events?filters=%7Bbad');
    assert.equal(filters.status, 400);
    assert.match(JSON.parse(filters.body).message, /invalid filter/);
  });
});
