import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeFixture, conmonsUnder } from './fixture.js';
import { createRuntime } from '../../src/runtime/index.js';

let fx: RuntimeFixture;
before(async () => {
  fx = await RuntimeFixture.create();
});
after(async () => {
  assert.deepEqual(await fx.cleanup(), []);
});

/** Processes whose command line mentions `marker`. */
function processesWith(marker: string): number[] {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).filter((n) => {
    try {
      return readFileSync(`/proc/${n}/cmdline`, 'utf8').includes(marker);
    } catch {
      return false;
    }
  }).map(Number);
}

test('a runtime that hangs in create is given up on, and its monitor and runtime process are gone', async () => {
  // Fault injection: an "OCI runtime" whose create never returns.
  const fake = join(fx.root, 'hanging-runtime');
  const marker = `${fx.root}/hang-marker`;
  writeFileSync(fake, `#!/bin/bash\ncase "$3" in create) exec -a "${marker}" sleep 600;; *) exit 1;; esac\n`);
  chmodSync(fake, 0o755);
  const rt = createRuntime({ stateRoot: join(fx.root, 'fault-state'), runtimePath: fake, createTimeoutMs: 1000 });
  try {
    const id = fx.newId();
    const spec = await rt.buildSpec(fx.input(id));
    const t0 = Date.now();
    await assert.rejects(
      rt.create({ id, bundle: join(fx.root, 'fault-bundle'), spec, logPath: join(fx.root, 'fault.log'), tty: false, openStdin: false }),
      /did not report within 1000 ms/,
    );
    assert.ok(Date.now() - t0 < 10000);
    const deadline = Date.now() + 5000;
    while (processesWith(marker).length || conmonsUnder(join(fx.root, 'fault-bundle')).length) {
      assert.ok(Date.now() < deadline, 'hung runtime or its monitor still running');
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    rt.close();
  }
});

test('a missing runtime binary is reported, not hung on', async () => {
  const rt = createRuntime({ stateRoot: join(fx.root, 'missing-state'), runtimePath: '/nonexistent/runc' });
  try {
    const id = fx.newId();
    const spec = await rt.buildSpec(fx.input(id));
    await assert.rejects(
      rt.create({ id, bundle: join(fx.root, 'missing-bundle'), spec, logPath: join(fx.root, 'm.log'), tty: false, openStdin: false }),
      /Runtime path \/nonexistent\/runc is not valid/,
    );
  } finally {
    rt.close();
  }
});
