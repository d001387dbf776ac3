import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitWatcher } from './exit-watcher.js';

test('an exit file written as conmon does (temp file, rename) is announced once and read back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-exits-'));
  const w = new ExitWatcher(dir);
  try {
    await w.start();
    const seen: string[] = [];
    w.onExit((id) => seen.push(id));
    w.track('c1');
    const waiting = w.waitFor('c1');
    writeFileSync(join(dir, 'c1.ABC123'), '42');
    renameSync(join(dir, 'c1.ABC123'), join(dir, 'c1'));
    const rec = await waiting;
    assert.equal(rec.code, 42);
    assert.ok(rec.finishedAt instanceof Date);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(seen, ['c1']);
    w.announce('c1');
    assert.deepEqual(seen, ['c1'], 'announced once');
    w.forget('c1');
    w.announce('c1');
    assert.deepEqual(seen, ['c1', 'c1'], 'a forgotten id is announced again');
    assert.equal(await w.read('nope'), undefined);
  } finally {
    w.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
