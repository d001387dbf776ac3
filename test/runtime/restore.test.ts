import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import { RuntimeFixture } from './fixture.js';
import { createRuntime } from '../../src/runtime/index.js';
import { readSpool } from '../../src/logging/conmon-spool-format.js';

let fx: RuntimeFixture;
before(async () => {
  fx = await RuntimeFixture.create();
});
after(async () => {
  const leaks = await fx.cleanup();
  assert.deepEqual(leaks, []);
});

test('containers outlive the runtime that made them; a fresh runtime restores them and their exits', async () => {
  const running = fx.newId();
  const exitsWhileDown = fx.newId();
  const item = (id: string, args: string[]) => ({ id, bundle: fx.bundle(id), logPath: fx.logPath(id), input: fx.input(id, { args }) });
  const orphaned = fx.newId();
  const items = [
    item(running, ['sh', '-c', 'echo before; sleep 1000']),
    item(exitsWhileDown, ['sh', '-c', 'echo bye; sleep 0.5; exit 5']),
    item(orphaned, ['sleep', '1000']),
  ];
  const script = join(dirname(fileURLToPath(import.meta.url)), 'create-and-hang.js');
  const child = spawn(process.execPath, [script, join(fx.root, 'state'), JSON.stringify(items)], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (c: Buffer) => c.toString().includes('started') && resolve());
      child.on('exit', (code) => reject(new Error(`helper exited with ${code}`)));
    });
  } finally {
    child.kill('SIGKILL');
  }
  await new Promise((r) => child.once('exit', r));
  // The "daemon" is dead; wait until the short container has exited without it.
  const deadline = Date.now() + 10000;
  const fresh = createRuntime({ stateRoot: join(fx.root, 'state') });
  try {
    const announced: string[] = [];
    fresh.onExit((id) => announced.push(id));
    while ((await fresh.state(exitsWhileDown))?.status !== 'stopped') {
      assert.ok(Date.now() < deadline, 'short container never stopped');
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 200));
    // A monitor that dies leaves its container unobservable: restore stops it, as containerd
    // does when a shim dies.
    process.kill(Number(readFileSync(join(fx.bundle(orphaned), 'conmon.pid'), 'utf8')), 'SIGKILL');
    assert.equal((await fresh.state(orphaned))?.status, 'running');
    await fresh.restore(running, fx.bundle(running));
    await fresh.restore(exitsWhileDown, fx.bundle(exitsWhileDown));
    await fresh.restore(orphaned, fx.bundle(orphaned));
    assert.equal((await fresh.exitStatus(orphaned))?.code, 137);
    assert.equal((await fresh.state(orphaned))?.status, 'stopped');
    assert.equal((await fresh.state(running))?.status, 'running');
    assert.equal(await fresh.exitStatus(running), undefined);
    assert.equal((await fresh.exitStatus(exitsWhileDown))?.code, 5);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(announced.sort(), [exitsWhileDown, orphaned].sort());
    // The monitor still serves the running one: its log keeps flowing and its exit is seen.
    const logs = readSpool(fx.logPath(running));
    const first = await logs.next();
    await logs.return(undefined);
    assert.equal(first.value?.data.toString(), 'before\n');
    // exec and stats work through the fresh runtime too.
    const ex = await fresh.exec(running, 'after-restore', { process: { args: ['echo', 'still here'] }, tty: false, stdin: false, detach: false });
    let out = '';
    ex.io.stdout.on('data', (c: Buffer) => (out += c.toString()));
    assert.equal(await ex.exited, 0);
    await new Promise((r) => setImmediate(r));
    assert.equal(out, 'still here\n');
    assert.ok((await fresh.stats(running)).pidsCurrent >= 1);
    const exited = new Promise<string>((resolve) => fresh.onExit((id) => id === running && resolve(id)));
    await fresh.kill(running, 'KILL');
    assert.equal(await exited, running);
    assert.equal((await fresh.exitStatus(running))?.code, 137);
  } finally {
    fresh.close();
  }
});
