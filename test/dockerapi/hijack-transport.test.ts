import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { decodeFrames } from '../../src/dockerapi/stdcopy.js';
import { engineFixture } from '../support/engine-fixture.js';
import { docker, serveApi, type TestApi } from './api-harness.js';

/** Reads a socket until the server closes it; resolves with everything received. */
function readAll(sock: Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    sock.on('data', (c) => chunks.push(c));
    sock.on('end', () => resolve(Buffer.concat(chunks)));
    sock.on('error', reject);
  });
}

/** Reads up to the end of the response head; returns the head and bytes after it. */
function readHead(sock: Socket): Promise<{ head: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      sock.off('data', onData);
      sock.pause();
      resolve({ head: buf.subarray(0, end).toString(), rest: buf.subarray(end + 4) });
    };
    sock.on('data', onData);
    sock.on('error', reject);
  });
}

/** Frames as [stream, text], stdout and stderr each in order (the two pipes may interleave either way). */
function byStream(frames: { stream: number; data: Buffer }[]): Record<number, string> {
  const out: Record<number, string> = {};
  for (const f of frames) out[f.stream] = (out[f.stream] ?? '') + f.data.toString();
  return out;
}

describe('hijacked streams and wait timing (real engine)', () => {
  let api: TestApi;
  let fx: Awaited<ReturnType<typeof engineFixture>>;
  let engine: Awaited<ReturnType<typeof engineFixture>>['engine'];
  // No network: these tests are about the HTTP layer; a container needs only loopback.
  const create = (body: Record<string, unknown>) => engine.containers.create({ Image: 'busybox', HostConfig: { NetworkMode: 'none' }, ...body }, {});
  before(async () => {
    fx = await engineFixture();
    engine = fx.engine;
    api = await serveApi(engine);
  });
  after(async () => {
    await api?.close();
    await fx?.cleanup();
  });

  it('attach with Upgrade: tcp answers 101 and keeps writing frames after the client half-closes', async () => {
    const { Id } = await create({ Cmd: ['sh', '-c', 'sleep 0.1; echo out; echo err >&2'] });
    const sock = connect(api.socket);
    sock.write(`POST /v1.45/containers/${Id}/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: api.moby.localhost\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
    const { head, rest } = await readHead(sock);
    assert.match(head, /^HTTP\/1.1 101 UPGRADED\r\n/);
    assert.match(head, /Content-Type: application\/vnd.docker.multiplexed-stream/i);
    sock.end(); // no stdin: the CLI half-closes here
    const all = readAll(sock);
    sock.resume();
    await engine.containers.start(Id);
    const { frames } = decodeFrames(Buffer.concat([rest, await all]));
    assert.deepEqual(byStream(frames), { 1: 'out\n', 2: 'err\n' });
  });

  it('with stdin and no StdinOnce, the client EOF ends the attach session but not the container', async () => {
    const { Id } = await create({ Cmd: ['cat'], OpenStdin: true, StdinOnce: false });
    await engine.containers.start(Id);
    const sock = connect(api.socket);
    sock.write(`POST /containers/${Id}/attach?stream=1&stdin=1&stdout=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
    const { head, rest } = await readHead(sock);
    assert.match(head, /^HTTP\/1.1 101 UPGRADED/);
    const all = readAll(sock);
    // End stdin once cat's echo is back, so the EOF cannot overtake the output.
    const echoed = new Promise<void>((resolve) => {
      let got = rest;
      const check = () => {
        if (decodeFrames(got).frames.map((f) => f.data.toString()).join('') === 'typed\n') resolve();
      };
      sock.on('data', (c: Buffer) => {
        got = Buffer.concat([got, c]);
        check();
      });
      check();
    });
    sock.resume();
    sock.write('typed\n');
    await echoed;
    sock.end();
    const { frames } = decodeFrames(Buffer.concat([rest, await all]));
    assert.deepEqual(frames.map((f) => f.data.toString()), ['typed\n']);
    assert.equal((await engine.containers.inspect(Id)).State.Running, true);
    await engine.containers.remove(Id, { force: true });
  });

  it('a TTY container attaches as a raw stream', async () => {
    const { Id } = await create({ Tty: true, Cmd: ['sh', '-c', 'printf "tty out"; printf "tty err" >&2'] });
    const sock = connect(api.socket);
    sock.write(`POST /containers/${Id}/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
    const { head, rest } = await readHead(sock);
    assert.match(head, /Content-Type: application\/vnd.docker.raw-stream/i);
    const all = readAll(sock);
    sock.resume();
    await engine.containers.start(Id);
    assert.equal(Buffer.concat([rest, await all]).toString(), 'tty outtty err');
  });

  it('plain attach (no upgrade) streams a 200 response with frames', async () => {
    const { Id } = await create({ Cmd: ['echo', 'plain'] });
    const body = await new Promise<{ type: string; data: Buffer }>((resolve, reject) => {
      const req = request({ socketPath: api.socket, method: 'POST', path: `/containers/${Id}/attach?stream=1&stdout=1` }, (res) => {
        assert.equal(res.statusCode, 200);
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ type: String(res.headers['content-type']), data: Buffer.concat(chunks) }));
        void engine.containers.start(Id);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(body.type, 'application/vnd.docker.multiplexed-stream');
    assert.deepEqual(decodeFrames(body.data).frames.map((f) => f.data.toString()), ['plain\n']);
  });

  it('wait sends its headers at once and the status body only at exit', async () => {
    const { Id } = await create({ Cmd: ['sh', '-c', 'exit 7'] });
    const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const req = request({ socketPath: api.socket, method: 'POST', path: `/v1.45/containers/${Id}/wait?condition=next-exit` }, resolve);
      req.on('error', reject);
      req.end();
    });
    assert.equal(res.statusCode, 200);
    assert.equal((await engine.containers.inspect(Id)).State.Status, 'created', 'headers arrived before the container started');
    const chunks: Buffer[] = [];
    res.on('data', (c) => chunks.push(c));
    const ended = new Promise((r) => res.on('end', r));
    await engine.containers.start(Id);
    await ended;
    assert.deepEqual(JSON.parse(Buffer.concat(chunks).toString()), { StatusCode: 7, Error: null });
  });

  it('wait on an unknown container is a 404 before any headers', async () => {
    const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ socketPath: api.socket, method: 'POST', path: '/containers/nosuch/wait' }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(r.status, 404);
    assert.deepEqual(JSON.parse(r.body), { message: 'No such container: nosuch' });
  });

  it('docker exec reads the body of an upgrade request, streams output and exits with the exec code', async () => {
    const name = `ex${process.pid}`;
    const run = await docker(api.host, ['run', '-d', '-i', '--network', 'none', '--name', name, 'busybox', 'sh']);
    assert.equal(run.code, 0, run.stderr);
    try {
      const r = await docker(api.host, ['exec', name, 'sh', '-c', 'echo exec out; echo exec err >&2; exit 5']);
      assert.equal(r.stdout, 'exec out\n');
      assert.equal(r.stderr, 'exec err\n');
      assert.equal(r.code, 5);
      const missing = await docker(api.host, ['exec', 'nosuch', 'x']);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /No such container: nosuch/);
    } finally {
      await docker(api.host, ['rm', '-f', name]);
    }
  });
});
