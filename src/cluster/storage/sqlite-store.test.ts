import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SqliteStore } from './sqlite-store.js';
import { storeConformance } from './store-conformance.js';

storeConformance('sqlite', {
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'wharf-sqlite-'));
    const store = new SqliteStore(join(dir, 'state.db'));
    return { store, compact: (rev: number) => store.compact(rev), cleanup: async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); } };
  },
});

test('sqlite: revisions and data survive reopening', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-sqlite-'));
  try {
    const a = new SqliteStore(join(dir, 'state.db'));
    await a.create('/k/1', 'x');
    const r = await a.update('/k/1', 'y');
    await a.close();
    const b = new SqliteStore(join(dir, 'state.db'));
    assert.equal(await b.currentRevision(), r);
    assert.equal((await b.get('/k/1'))?.value, 'y');
    assert.ok((await b.create('/k/2', 'z')) > r);
    await b.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
