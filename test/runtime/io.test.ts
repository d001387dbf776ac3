import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import { RuntimeFixture } from './fixture.js';
import { readSpool } from '../../src/logging/conmon-spool-format.js';

let fx: RuntimeFixture;
before(async () => {
  fx = await RuntimeFixture.create();
});
after(async () => {
  const leaks = await fx.cleanup();
  assert.deepEqual(leaks, []);
});

/** Collects a stream's text until it ends or `until` matches. */
function collect(stream: Readable, until?: RegExp, timeoutMs = 10000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const t = setTimeout(() => reject(new Error(`timed out; got ${JSON.stringify(text)}`)), timeoutMs);
    const done = () => {
      clearTimeout(t);
      resolve(text);
    };
    stream.on('data', (c: Buffer) => {
      text += c.toString();
      if (until?.test(text)) done();
    });
    stream.on('end', done);
  });
}

test('attach to a cat container: stdin echoes back; closing stdin ends it', async () => {
  const id = await fx.create({ args: ['cat'], openStdin: true }, { stdinOnce: true });
  const io = await fx.runtime.attach(id, { stdin: true, stdout: true, stderr: true });
  await fx.runtime.start(id);
  const out = collect(io.stdout, /hello wharf\n/);
  io.stdin!.write('hello wharf\n');
  assert.equal(await out, 'hello wharf\n');
  const ended = collect(io.stdout);
  io.stdin!.end();
  const { code } = await fx.runtime.waitExit(id);
  assert.equal(code, 0);
  await ended;
  io.close();
  assert.equal((await fx.logs(id)).stdout, 'hello wharf\n');
});

test('TTY container: output arrives raw on stdout with CRLF; resize reaches the terminal', async () => {
  const id = await fx.create({ args: ['sh', '-c', 'read line; stty size; echo "got $line"'], tty: true, openStdin: true }, { stdinOnce: true });
  const io = await fx.runtime.attach(id, { stdin: true, stdout: true, stderr: true });
  await fx.runtime.start(id);
  await fx.runtime.resize(id, 91, 33);
  const out = collect(io.stdout, /got x\r\n/);
  io.stdin!.write('x\n');
  const text = await out;
  assert.match(text, /33 91\r\n/);
  assert.match(text, /got x\r\n/);
  assert.equal((await fx.runtime.waitExit(id)).code, 0);
  io.close();
});

test('exec with pipes returns output and exit code; exec failure is reported', async () => {
  const id = await fx.create({ args: ['sleep', '1000'], env: ['FROM_CTR=1'] });
  await fx.runtime.start(id);
  const proc = { args: ['sh', '-c', 'echo out-$FROM_EXEC; echo err >&2; exit 7'], env: ['PATH=/bin', 'FROM_EXEC=yes'], cwd: '/', user: { uid: 0, gid: 0 } };
  const s = await fx.runtime.exec(id, 'exec1', { process: proc, tty: false, stdin: false, detach: false });
  assert.ok(s.pid > 0);
  const [out, err, code] = await Promise.all([collect(s.io.stdout), collect(s.io.stderr), s.exited]);
  assert.equal(out, 'out-yes\n');
  assert.equal(err, 'err\n');
  assert.equal(code, 7);
  await assert.rejects(
    fx.runtime.exec(id, 'exec2', { process: { ...proc, args: ['nope-binary'] }, tty: false, stdin: false, detach: false }),
    /executable file not found/,
  );
});

test('exec with stdin and with a TTY; detached exec', async () => {
  const id = await fx.create({ args: ['sleep', '1000'] });
  await fx.runtime.start(id);
  const proc = { args: ['cat'], env: ['PATH=/bin'], cwd: '/', user: { uid: 0, gid: 0 } };
  const s = await fx.runtime.exec(id, 'e-stdin', { process: proc, tty: false, stdin: true, detach: false });
  const out = collect(s.io.stdout);
  s.io.stdin!.end('piped\n');
  assert.equal(await out, 'piped\n');
  assert.equal(await s.exited, 0);

  // docker exec -it: a terminal with stdin; the resize reaches the exec's own terminal.
  const t = await fx.runtime.exec(id, 'e-tty', { process: { ...proc, args: ['sh'] }, tty: true, stdin: true, detach: false });
  await t.resize(100, 40);
  const tout = collect(t.io.stdout, /exit-2-marker/);
  t.io.stdin!.write('tty; stty size; echo exit-$((1+1))-marker; exit 3\n');
  const text = await tout;
  assert.match(text, /\/dev\/pts\/\d+\r\n/);
  assert.match(text, /40 100\r\n/);
  assert.equal(await t.exited, 3);

  const d = await fx.runtime.exec(id, 'e-detach', {
    process: { ...proc, args: ['sh', '-c', 'echo detached > /tmp/detached-mark'] }, tty: false, stdin: false, detach: true,
  });
  assert.equal(await d.exited, 0);
  const check = await fx.runtime.exec(id, 'e-check', {
    process: { ...proc, args: ['cat', '/tmp/detached-mark'] }, tty: false, stdin: false, detach: false,
  });
  assert.equal(await collect(check.io.stdout), 'detached\n');
});

test('exec inherits the container\'s env; -u names resolve in the container; paused containers refuse exec', async () => {
  const id = await fx.create({ args: ['sleep', '1000'], env: ['FROM_CTR=1'] });
  await fx.runtime.start(id);
  const s = await fx.runtime.exec(id, 'e-user', {
    process: { args: ['sh', '-c', 'echo $FROM_CTR $(id -u):$(id -G) $HOME'], user: 'wharf' }, tty: false, stdin: false, detach: false,
  });
  assert.equal(await collect(s.io.stdout), '1 1000:1000 10 /root\n');
  assert.equal(await s.exited, 0);
  await assert.rejects(
    fx.runtime.exec(id, 'e-ghost', { process: { args: ['true'], user: 'ghost' }, tty: false, stdin: false, detach: false }),
    /unable to find user ghost/,
  );
  await fx.runtime.pause(id);
  await assert.rejects(
    fx.runtime.exec(id, 'e-paused', { process: { args: ['true'] }, tty: false, stdin: false, detach: false }),
    /is paused, unpause the container before exec/,
  );
  await fx.runtime.resume(id);
});

test('follow the log of a running container until it exits (docker logs -f)', async () => {
  const id = await fx.create({ args: ['sh', '-c', 'for i in 1 2 3; do echo line$i; sleep 0.2; done; echo oops >&2; printf partial'] });
  await fx.runtime.start(id);
  const got: string[] = [];
  for await (const e of readSpool(fx.logPath(id), {
    follow: true,
    isDone: async () => (await fx.runtime.exitStatus(id)) !== undefined,
  })) {
    got.push(`${e.stream}:${e.data.toString()}`);
  }
  // Order holds within a stream; conmon reads stdout and stderr from separate pipes.
  assert.deepEqual(got.filter((g) => g.startsWith('stdout:')), ['stdout:line1\n', 'stdout:line2\n', 'stdout:line3\n', 'stdout:partial']);
  assert.deepEqual(got.filter((g) => g.startsWith('stderr:')), ['stderr:oops\n']);
  const last = [];
  for await (const e of readSpool(fx.logPath(id), { tail: 2 })) last.push(e.data.toString());
  assert.deepEqual(last.sort(), ['oops\n', 'partial']);
});

test('TTY without stdin: the log holds the terminal output', async () => {
  const r = await fx.run({ args: ['tty'], tty: true });
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^\/dev\/pts\/\d+\r\n$/);
});

test('without StdinOnce, stdin survives a detach: a second attach keeps talking to the process', async () => {
  const id = await fx.create({ args: ['cat'], openStdin: true }, { stdinOnce: false });
  await fx.runtime.start(id);
  const first = await fx.runtime.attach(id, { stdin: true, stdout: true, stderr: true });
  const one = collect(first.stdout, /one\n/);
  first.stdin!.write('one\n');
  await one;
  first.stdin!.end();
  first.close();
  await new Promise((r) => setTimeout(r, 200));
  assert.equal((await fx.runtime.state(id))?.status, 'running');
  const second = await fx.runtime.attach(id, { stdin: true, stdout: true, stderr: false });
  const two = collect(second.stdout, /two\n/);
  second.stdin!.write('two\n');
  assert.equal(await two, 'two\n');
  second.close();
  await fx.runtime.kill(id, 'KILL');
  await fx.runtime.waitExit(id);
  assert.equal((await fx.logs(id)).stdout, 'one\ntwo\n');
});
