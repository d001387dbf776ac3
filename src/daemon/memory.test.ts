import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { collectWhenIdle, fullGcFunction } from './memory.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('collectWhenIdle: nothing before any activity, once after a quiet spell, again only after new activity', async () => {
  let runs = 0;
  const idle = collectWhenIdle(() => runs++, 60);
  try {
    await sleep(150);
    assert.equal(runs, 0);
    idle.touch();
    await sleep(30);
    idle.touch(); // still busy: the clock restarts
    await sleep(40);
    assert.equal(runs, 0);
    await sleep(120);
    assert.equal(runs, 1);
    await sleep(150);
    assert.equal(runs, 1);
    idle.touch();
    await sleep(150);
    assert.equal(runs, 2);
  } finally {
    idle.stop();
  }
});

test('collectWhenIdle: stop cancels a pending collection and ignores later activity', async () => {
  let runs = 0;
  const idle = collectWhenIdle(() => runs++, 40);
  idle.touch();
  idle.stop();
  idle.touch();
  await sleep(120);
  assert.equal(runs, 0);
});

test('fullGcFunction: collects unreachable objects', async () => {
  const gc = fullGcFunction();
  assert.equal(typeof gc, 'function');
  let ref: WeakRef<object> | undefined;
  (() => {
    ref = new WeakRef({ big: new Array(1000).fill(1) });
  })();
  await sleep(0); // a WeakRef target lives at least until the end of the job that made it
  gc!();
  assert.equal(ref!.deref(), undefined);
  // The flag is off again: new contexts get no `gc`.
  const { runInNewContext } = await import('node:vm');
  assert.equal(runInNewContext('typeof gc'), 'undefined');
});

test('tuneV8ForDaemon: the young generation stays at its initial size under allocation (in a child process)', () => {
  const memoryJs = new URL('./memory.js', import.meta.url).href;
  const script = (tune: boolean) => `
    import { getHeapSpaceStatistics } from 'node:v8';
    const { tuneV8ForDaemon } = await import(${JSON.stringify(memoryJs)});
    if (${tune}) tuneV8ForDaemon();
    let keep = [];
    for (let r = 0; r < 30; r++) { for (let i = 0; i < 100000; i++) keep.push({ i, s: 'x' + i }); keep = keep.slice(-1000); }
    process.stdout.write(String(getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size));`;
  const newSpace = (tune: boolean) => Number(execFileSync(process.execPath, ['--input-type=module', '-e', script(tune)], { encoding: 'utf8' }));
  const tuned = newSpace(true);
  const untuned = newSpace(false);
  assert.ok(tuned <= 2 * 2 ** 20, `tuned new space ${tuned} bytes`);
  assert.ok(untuned > tuned, `untuned new space ${untuned} bytes should have grown past ${tuned}`);
});
