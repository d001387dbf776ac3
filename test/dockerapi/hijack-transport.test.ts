import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { decodeFrames } from '../../src/dockerapi/stdcopy.js';
import { docker, serveApi, type TestApi } from './api-harness.js';
import { TransportTestEngine } from './transport-test-engine.js';

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

describe('hijacked streams and wait timing (transport test double engine)', () => {
  let api: TestApi;
  let engine: TransportTestEngine;
  before(async () => {
    engine = new TransportTestEngine();
    api = await serveApi(engine);
  });
  after(() => api.close());

  it('attach with Upgrade: tcp answers 101 and keeps writing frames after the client half-closes', async () => {
    const { Id } = await engine.containers.create({ Image: 'img', Cmd: ['out\n', 'err\n', '0', '100'] }, {});
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
    assert.deepEqual(frames.map((f) => [f.stream, f.data.toString()]), [[1, 'out\n'], [2, 'err\n']]);
  });

  it('with stdin and no StdinOnce, the client EOF ends the attach session but not the container', async () => {
    const { Id } = await engine.containers.create({ Image: 'img', OpenStdin: true, StdinOnce: false }, {});
    await engine.containers.start(Id);
    const sock = connect(api.socket);
    sock.write(`POST /containers/${Id}/attach?stream=1&stdin=1&stdout=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
    const { head, rest } = await readHead(sock);
    assert.match(head, /^HTTP\/1.1 101 UPGRADED/);
    const all = readAll(sock);
    sock.resume();
    sock.end('typed\n');
    const { frames } = decodeFrames(Buffer.concat([rest, await all]));
    assert.deepEqual(frames.map((f) => f.data.toString()), ['typed\n']);
    assert.equal((await engine.containers.inspect(Id)).State.Running, true);
    await engine.containers.remove(Id, { force: true });
  });

  it('a TTY container attaches as a raw stream', async () => {
    const { Id } = await engine.containers.create({ Image: 'img', Tty: true, Cmd: ['tty out', 'tty err', '0', '50'] }, {});
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
    const { Id } = await engine.containers.create({ Image: 'img', Cmd: ['plain\n', '', '0', '50'] }, {});
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
    const { Id } = await engine.containers.create({ Image: 'img', Cmd: ['', '', '7', '0'] }, {});
    const before = engine.waitsRegistered;
    const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const req = request({ socketPath: api.socket, method: 'POST', path: `/v1.45/containers/${Id}/wait?condition=next-exit` }, resolve);
      req.on('error', reject);
      req.end();
    });
    assert.equal(res.statusCode, 200);
    assert.equal(engine.waitsRegistered, before + 1);
    assert.equal((await engine.containers.inspect(Id)).State.Running, false, 'headers arrived before the container started');
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
    const run = await docker(api.host, ['run', '-d', '-i', '--name', name, 'img']);
    assert.equal(run.code, 0, run.stderr);
    try {
      const r = await docker(api.host, ['exec', name, 'exec out\n', 'exec err\n', '5']);
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
