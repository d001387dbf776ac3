import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from './atomic-file.js';

test('writeFileAtomic replaces content and leaves no temp file behind', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wharf-atomic-'));
  try {
    const p = join(dir, 'sub', 'state.json');
    await writeJsonAtomic(p, { a: 1 });
    await writeFileAtomic(p, '{"a":2}');
    assert.deepEqual(JSON.parse(await readFile(p, 'utf8')), { a: 2 });
    assert.deepEqual(await readdir(join(dir, 'sub')), ['state.json']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
