import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WharfError } from '../../src/common/errors.js';
import { engineFixture, mountsUnder, type TestEngine } from '../support/engine-fixture.js';

async function logsText(engine: TestEngine, id: string): Promise<string> {
  const { entries } = await engine.containers.logs(id, { stdout: true, stderr: true });
  let out = '';
  for await (const e of entries) out += e.data.toString();
  return out;
}

async function runToExit(engine: TestEngine, body: Record<string, unknown>, name?: string): Promise<{ id: string; code: number }> {
  const { Id } = await engine.containers.create({ Image: 'busybox', ...body }, { name });
  const waited = engine.containers.wait(Id, 'next-exit');
  await engine.containers.start(Id);
  const { StatusCode } = await waited;
  return { id: Id, code: StatusCode };
}

describe('engine: container lifecycle on real runc and conmon', () => {
  let fx: Awaited<ReturnType<typeof engineFixture>>;
  before(async () => {
    fx = await engineFixture();
  });
  after(async () => {
    await fx?.cleanup();
  });

  test('runs a command, records its output and exit code 0', async () => {
    const { id, code } = await runToExit(fx.engine, { Cmd: ['echo', 'hello wharf'] });
    assert.equal(code, 0);
    assert.equal(await logsText(fx.engine, id), 'hello wharf\n');
    const info = await fx.engine.containers.inspect(id);
    assert.equal(info.State.Status, 'exited');
    assert.equal(info.State.ExitCode, 0);
    assert.equal(info.Path, 'echo');
    assert.deepEqual(info.Args, ['hello wharf']);
    assert.equal(mountsUnder(fx.engine.dataRoot + '/containers/' + id).length, 0, 'rootfs unmounted after exit');
  });

  test("keeps the command's own exit code and stderr", async () => {
    const { id, code } = await runToExit(fx.engine, { Cmd: ['sh', '-c', 'echo oops >&2; exit 3'] });
    assert.equal(code, 3);
    const { entries } = await fx.engine.containers.logs(id, { stdout: false, stderr: true });
    const streams: string[] = [];
    for await (const e of entries) streams.push(`${e.stream}:${e.data.toString()}`);
    assert.deepEqual(streams, ['stderr:oops\n']);
  });

  test('a missing executable fails start with 400 and exit code 127, leaving no mount', async () => {
    const { Id } = await fx.engine.containers.create({ Image: 'busybox', Cmd: ['no-such-binary'] }, {});
    await assert.rejects(fx.engine.containers.start(Id), (err: unknown) => {
      assert.ok(err instanceof WharfError);
      assert.equal(err.kind, 'invalid-parameter');
      assert.match(err.message, /no-such-binary/);
      assert.match(err.message, /executable file not found|no such file/);
      return true;
    });
    const info = await fx.engine.containers.inspect(Id);
    assert.equal(info.State.ExitCode, 127);
    assert.equal(info.State.Running, false);
    assert.equal(mountsUnder(fx.engine.dataRoot + '/containers/' + Id).length, 0);
  });

  test('env, working dir and user follow Docker merge rules', async () => {
    const { id, code } = await runToExit(fx.engine, {
      Cmd: ['sh', '-c', 'echo "$FOO|$(pwd)|$(id -u):$(id -g)|$HOME|$HOSTNAME"'],
      Env: ['FOO=bar'],
      WorkingDir: '/tmp',
      User: 'wharf',
      Hostname: 'boat',
    });
    assert.equal(code, 0);
    assert.equal(await logsText(fx.engine, id), 'bar|/tmp|1000:1000|/home/wharf|boat\n');
  });

  test('stop sends the stop signal, then SIGKILL after the timeout (exit 137)', async () => {
    const { Id } = await fx.engine.containers.create({ Image: 'busybox', Cmd: ['sleep', '300'] }, {});
    await fx.engine.containers.start(Id);
    assert.equal((await fx.engine.containers.inspect(Id)).State.Running, true);
    const t0 = Date.now();
    await fx.engine.containers.stop(Id, { timeout: 1 });
    assert.ok(Date.now() - t0 >= 900, 'waited for the timeout: PID 1 ignores SIGTERM');
    const info = await fx.engine.containers.inspect(Id);
    assert.equal(info.State.ExitCode, 137);
    await assert.rejects(fx.engine.containers.stop(Id, {}), (e: unknown) => e instanceof WharfError && e.kind === 'not-modified');
  });

  test('a running container cannot be removed without force; with force it goes entirely', async () => {
    const { Id } = await fx.engine.containers.create({ Image: 'busybox', Cmd: ['sleep', '300'] }, { name: 'rm-me' });
    await fx.engine.containers.start(Id);
    await assert.rejects(fx.engine.containers.remove('rm-me', {}), (e: unknown) => e instanceof WharfError && e.kind === 'conflict' && /cannot remove a running container/.test(e.message));
    await fx.engine.containers.remove('rm-me', { force: true });
    await assert.rejects(fx.engine.containers.inspect(Id), (e: unknown) => e instanceof WharfError && e.kind === 'not-found' && e.message === 'No such container: ' + Id);
    assert.equal(mountsUnder(fx.engine.dataRoot + '/containers/' + Id).length, 0);
  });

  test('duplicate names are refused with 409 and Docker message', async () => {
    await fx.engine.containers.create({ Image: 'busybox', Cmd: ['true'] }, { name: 'twin' });
    await assert.rejects(fx.engine.containers.create({ Image: 'busybox', Cmd: ['true'] }, { name: 'twin' }), (e: unknown) =>
      e instanceof WharfError && e.kind === 'conflict' && /The container name "\/twin" is already in use/.test(e.message));
    await assert.rejects(fx.engine.containers.create({ Image: 'busybox', Cmd: ['true'] }, { name: 'bad name!' }), (e: unknown) => e instanceof WharfError && e.kind === 'invalid-parameter');
    await assert.rejects(fx.engine.containers.create({ Image: 'nosuchimage:1', Cmd: ['true'] }, {}), (e: unknown) => e instanceof WharfError && e.kind === 'not-found' && /No such image/.test(e.message));
  });

  test('restart policy on-failure:2 restarts twice then stops', async () => {
    const { Id } = await fx.engine.containers.create({ Image: 'busybox', Cmd: ['sh', '-c', 'echo run; exit 1'], HostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 } } }, {});
    await fx.engine.containers.start(Id);
    const deadline = Date.now() + 15000;
    let info;
    do {
      await new Promise((r) => setTimeout(r, 200));
      info = await fx.engine.containers.inspect(Id);
    } while ((info.RestartCount < 2 || info.State.Status !== 'exited') && Date.now() < deadline);
    assert.equal(info.RestartCount, 2);
    assert.equal(info.State.Status, 'exited');
    assert.equal(info.State.ExitCode, 1);
    assert.equal(await logsText(fx.engine, Id), 'run\nrun\nrun\n');
  });

  test('exec runs in the container and reports its exit code', async () => {
    const { Id } = await fx.engine.containers.create({ Image: 'busybox', Cmd: ['sleep', '300'] }, {});
    await fx.engine.containers.start(Id);
    const { Id: execId } = await fx.engine.containers.execCreate(Id, { Cmd: ['sh', '-c', 'echo in-exec; exit 4'], AttachStdout: true, AttachStderr: true });
    const started = await fx.engine.containers.execStart(execId, { detach: false });
    let out = '';
    started.io?.stdout.on('data', (c: Buffer) => (out += c.toString()));
    assert.equal(await started.exited, 4);
    const ex = await fx.engine.containers.execInspect(execId);
    assert.equal(ex.ExitCode, 4);
    assert.equal(ex.Running, false);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(out, 'in-exec\n');
    await fx.engine.containers.remove(Id, { force: true });
  });

  test('attach before start receives all output (the docker run order)', async () => {
    const { Id } = await fx.engine.containers.create({ Image: 'busybox', Cmd: ['sh', '-c', 'echo one; echo two >&2'], AttachStdout: true, AttachStderr: true }, {});
    const { io } = await fx.engine.containers.attach(Id, { stdin: false, stdout: true, stderr: true, stream: true });
    let out = '';
    let err = '';
    io.stdout.on('data', (c: Buffer) => (out += c.toString()));
    io.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const ended = new Promise((r) => io.stdout.once('end', r));
    const waited = fx.engine.containers.wait(Id, 'next-exit');
    await fx.engine.containers.start(Id);
    assert.equal((await waited).StatusCode, 0);
    await Promise.race([ended, new Promise((r) => setTimeout(r, 3000))]);
    io.close();
    assert.equal(out, 'one\n');
    assert.equal(err, 'two\n');
  });

  test('containers outlive the engine: a new engine adopts a running one and sees its real exit', async () => {
    const { Id } = await fx.engine.containers.create({ Image: 'busybox', Cmd: ['sh', '-c', 'trap "exit 7" TERM; while true; do sleep 0.1; done'] }, { name: 'survivor' });
    await fx.engine.containers.start(Id);
    await fx.engine.close();
    const engine = await fx.reopen();
    const info = await engine.containers.inspect('survivor');
    assert.equal(info.State.Status, 'running');
    const waited = engine.containers.wait(Id, 'next-exit');
    await engine.containers.stop(Id, { timeout: 5 });
    assert.equal((await waited).StatusCode, 7);
  });
  test('racing clients: remove while starting leaves nothing; one name goes to one create', async () => {
    const { Id } = await fx.engine.containers.create({ Image: 'busybox', Cmd: ['sleep', '300'] }, {});
    const results = await Promise.allSettled([fx.engine.containers.start(Id), fx.engine.containers.remove(Id, { force: true })]);
    assert.equal(results[1].status, 'fulfilled', String((results[1] as PromiseRejectedResult).reason));
    await assert.rejects(fx.engine.containers.inspect(Id), (e: unknown) => e instanceof WharfError && e.kind === 'not-found');
    assert.equal(mountsUnder(fx.engine.dataRoot + '/containers/' + Id).length, 0);
    const { spawnSync } = await import('node:child_process');
    assert.equal(spawnSync('pgrep', ['-f', `conmon.*${Id}`]).status, 1, 'no conmon left for the removed container');
    const creates = await Promise.allSettled(Array.from({ length: 5 }, () => fx.engine.containers.create({ Image: 'busybox', Cmd: ['true'] }, { name: 'contested' })));
    assert.equal(creates.filter((r) => r.status === 'fulfilled').length, 1);
    const twoStarts = await fx.engine.containers.create({ Image: 'busybox', Cmd: ['sleep', '300'] }, {});
    const starts = await Promise.allSettled([fx.engine.containers.start(twoStarts.Id), fx.engine.containers.start(twoStarts.Id)]);
    assert.equal(starts.filter((r) => r.status === 'fulfilled').length, 1, 'the second start is a 304');
    await fx.engine.containers.remove(twoStarts.Id, { force: true });
  });
});
