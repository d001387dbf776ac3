import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engineFixture } from '../support/engine-fixture.js';
import { docker, httpRequest, serveApi, type TestApi } from './api-harness.js';

/**
 * The real docker CLI against the API server on a real engine (runc, conmon, a busybox
 * image): these tests are about the HTTP layer (negotiation, error shapes, hijacking, wait
 * timing, framing) as the CLI sees it.
 */
describe('docker CLI against the API transport', () => {
  let api: TestApi;
  let fx: Awaited<ReturnType<typeof engineFixture>>;
  before(async () => {
    fx = await engineFixture();
    api = await serveApi(fx.engine);
  });
  after(async () => {
    await api?.close();
    await fx?.cleanup();
  });

  it('docker version shows a server section and negotiates API 1.45', async () => {
    const r = await docker(api.host, ['version', '--format', '{{.Server.APIVersion}} {{.Client.APIVersion}} {{.Server.MinAPIVersion}}']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), '1.45 1.45 1.24');
    const full = await docker(api.host, ['version']);
    assert.equal(full.code, 0, full.stderr);
    assert.match(full.stdout, /Server: Wharf Engine/);
  });

  it('docker info prints the engine info', async () => {
    const r = await docker(api.host, ['info', '--format', '{{.ID}} {{.OSType}} {{.Containers}}']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.trim(), /^\S+ linux \d+$/);
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
    const r = await docker(api.host, ['run', '--rm', '--name', 'rmme', '--network', 'none', 'busybox', 'sh', '-c', 'echo hello out; echo hello err >&2; exit 3']);
    assert.equal(r.stdout, 'hello out\n');
    assert.equal(r.stderr, 'hello err\n');
    assert.equal(r.code, 3);
    const left = await fx.engine.containers.list({ all: true });
    assert.ok(!left.some((c) => c.Names.includes('/rmme')), 'AutoRemove container is gone');
  });

  it('docker run -i passes stdin through the hijacked connection', async () => {
    const r = await docker(api.host, ['run', '-i', '--rm', '--network', 'none', 'busybox', 'cat'], { input: 'echo me\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'echo me\n');
  });

  it('docker logs demultiplexes frames and prefixes timestamps', async () => {
    const c = await docker(api.host, ['run', '--name', 'logsy', '--network', 'none', 'busybox', 'sh', '-c', 'echo o1; echo e1 >&2']);
    assert.equal(c.code, 0, c.stderr);
    const r = await docker(api.host, ['logs', '-t', 'logsy']);
    assert.equal(r.code, 0, r.stderr);
    const stamp = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z';
    assert.match(r.stdout, new RegExp(`^${stamp} o1\\n$`));
    assert.match(r.stderr, new RegExp(`^${stamp} e1\\n$`));
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
