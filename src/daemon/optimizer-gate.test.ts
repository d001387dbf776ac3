import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOptimizerGate, isBulkRequest } from './optimizer-gate.js';

test('isBulkRequest: layer and archive moving routes, with or without a version prefix and query', () => {
  const bulk: [string, string][] = [
    ['POST', '/v1.43/build?t=x&q=1'],
    ['POST', '/images/create?fromImage=busybox'],
    ['POST', '/v1.41/images/load?quiet=1'],
    ['GET', '/v1.41/images/get?names=a&names=b'],
    ['GET', '/images/localhost%3A5000%2Fx/get'],
    ['POST', '/v1.45/images/localhost:5000/x/push?tag=v1'],
    ['POST', '/v1.41/commit?container=abc'],
    ['GET', '/v1.41/containers/abc/export'],
    ['GET', '/containers/abc/archive?path=/etc'],
    ['PUT', '/v1.41/containers/abc/archive?path=/'],
    ['GET', '/v1.41/containers/abc/logs?stdout=1&follow=1'],
  ];
  for (const [m, u] of bulk) assert.equal(isBulkRequest(m, u), true, `${m} ${u}`);
  const light: [string | undefined, string | undefined][] = [
    ['GET', '/_ping'],
    ['POST', '/v1.41/containers/create'],
    ['POST', '/v1.41/containers/abc/start'],
    ['GET', '/v1.41/containers/json?all=1'],
    ['HEAD', '/v1.41/containers/abc/archive?path=/'],
    ['GET', '/v1.41/images/json'],
    ['DELETE', '/v1.41/images/busybox'],
    ['POST', '/v1.41/build/prune'],
    [undefined, '/build'],
    ['POST', undefined],
  ];
  for (const [m, u] of light) assert.equal(isBulkRequest(m, u), false, `${m} ${u}`);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('createOptimizerGate: off at once; on when bulk work has used afterCpuMs of CPU; off after the last operation', async () => {
  const flags: string[] = [];
  let cpu = 1000;
  const gate = createOptimizerGate({ afterCpuMs: 100, pollMs: 5, setFlags: (f) => flags.push(f), cpuMs: () => cpu });
  assert.deepEqual(flags, ['--no-turbofan']);
  // Long but idle (a build waiting on its RUN container): no compiler.
  const waiting = gate.open();
  await sleep(40);
  cpu += 60;
  await sleep(20);
  waiting();
  waiting(); // a second call changes nothing
  assert.deepEqual(flags, ['--no-turbofan'], 'work that used little CPU never switches the compiler on');
  // CPU used before an operation began does not count toward it.
  cpu += 500;
  const endA = gate.open();
  await sleep(20);
  assert.equal(gate.optimizing, false);
  const endB = gate.open();
  cpu += 120;
  await sleep(30);
  assert.equal(gate.optimizing, true);
  assert.deepEqual(flags, ['--no-turbofan', '--turbofan']);
  endA();
  endA();
  assert.equal(gate.optimizing, true, 'still on while another operation is in flight');
  endB();
  assert.equal(gate.optimizing, false);
  assert.deepEqual(flags, ['--no-turbofan', '--turbofan', '--no-turbofan']);
});

test('createOptimizerGate: afterCpuMs 0 switches on at once', () => {
  const flags: string[] = [];
  const gate = createOptimizerGate({ setFlags: (f) => flags.push(f) });
  const end = gate.open();
  assert.deepEqual(flags, ['--no-turbofan', '--turbofan']);
  end();
  assert.deepEqual(flags, ['--no-turbofan', '--turbofan', '--no-turbofan']);
});

test('the real V8 switch: a hot function is optimized only while the gate is open', async () => {
  // A child process, so the test runner's own V8 is left alone.
  const { execFileSync } = await import('node:child_process');
  const script = `
    import { createOptimizerGate } from ${JSON.stringify(new URL('./optimizer-gate.js', import.meta.url).href)};
    const gate = createOptimizerGate();
    const mk = () => function hot(n) { let s = 0; for (let i = 0; i < n; i++) s += i % 7; return s; };
    const optimized = (f) => { for (let k = 0; k < 300; k++) f(20000); return (%GetOptimizationStatus(f) & 64) !== 0; /* 64: TurboFanned */ };
    const closed = optimized(mk());
    const end = gate.open();
    const open = optimized(mk());
    end();
    console.log(JSON.stringify({ closed, open }));
  `;
  const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--no-concurrent-recompilation', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out), { closed: false, open: true });
});
