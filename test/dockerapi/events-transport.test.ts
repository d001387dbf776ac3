import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { engineFixture } from '../support/engine-fixture.js';
import { docker, serveApi, type TestApi } from './api-harness.js';

function get(socket: string, path: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method: 'GET', path }, resolve);
    req.on('error', reject);
    req.end();
  });
}

/** Collects JSON lines from a streaming response until `count` arrived or it ends. */
function lines(res: IncomingMessage, count = Infinity): Promise<any[]> {
  return new Promise((resolve) => {
    const out: any[] = [];
    let buf = '';
    res.on('data', (c) => {
      buf += c;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        out.push(JSON.parse(buf.slice(0, nl)));
        buf = buf.slice(nl + 1);
        if (out.length >= count) {
          res.destroy();
          resolve(out);
        }
      }
    });
    res.on('end', () => resolve(out));
    res.on('close', () => resolve(out));
  });
}

describe('events stream (real engine)', () => {
  let api: TestApi;
  let fx: Awaited<ReturnType<typeof engineFixture>>;
  let engine: Awaited<ReturnType<typeof engineFixture>>['engine'];
  // Containers that exit at once, without networking: only their lifecycle events matter here.
  const create = (name: string) => engine.containers.create({ Image: 'busybox', Cmd: ['true'], HostConfig: { NetworkMode: 'none' } }, { name });
  before(async () => {
    fx = await engineFixture();
    engine = fx.engine;
    api = await serveApi(engine);
  });
  after(async () => {
    await api?.close();
    await fx?.cleanup();
  });

  it('streams live events as JSON lines, filtered by type, event and container', async () => {
    const filters = encodeURIComponent(JSON.stringify({ type: ['container'], event: ['start'], container: ['wanted'] }));
    const res = await get(api.socket, `/v1.45/events?filters=${filters}`);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/json');
    const got = lines(res, 1);
    const other = await create('other');
    await engine.containers.start(other.Id);
    const wanted = await create('wanted');
    await engine.containers.start(wanted.Id);
    const [ev] = await got;
    assert.equal(ev.Type, 'container');
    assert.equal(ev.Action, 'start');
    assert.equal(ev.Actor.ID, wanted.Id);
    assert.equal(ev.Actor.Attributes.name, 'wanted');
  });

  it('replays history between since and until, then ends', async () => {
    const now = Date.now() / 1000;
    const c = await create('replayed');
    const res = await get(api.socket, `/events?since=${now - 5}&until=${Date.now() / 1000 + 0.2}&filters=${encodeURIComponent('{"container":{"replayed":true}}')}`);
    const evs = await lines(res);
    assert.deepEqual(evs.map((e) => [e.Action, e.Actor.ID]), [['create', c.Id]]);
  });

  it('docker events --since/--until --filter container= prints the matching actions', async () => {
    const c = await create('clievents');
    await engine.containers.start(c.Id);
    await engine.containers.wait(c.Id, 'not-running');
    // The CLI sends whole seconds for --until, so let the events' second pass first.
    await new Promise((r) => setTimeout(r, 1100));
    const r = await docker(api.host, ['events', '--since', '10s', '--until', '0s', '--filter', 'container=clievents', '--format', '{{.Action}}']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'create\nstart\ndie\n'); // `true` exits at once
  });

  it('until alone replays the buffered events up to that time', async () => {
    const c = await create('untilonly');
    const res = await get(api.socket, `/events?until=${Date.now() / 1000 + 0.2}&filters=${encodeURIComponent('{"container":["untilonly"]}')}`);
    assert.deepEqual((await lines(res)).map((e) => [e.Action, e.Actor.ID]), [['create', c.Id]]);
  });

  it('an unknown filter key is a 400', async () => {
    const r = await docker(api.host, ['events', '--filter', 'colour=red', '--until', '0s']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /invalid filter 'colour'/);
  });
});
