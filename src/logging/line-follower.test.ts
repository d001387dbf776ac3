import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { followLines } from './line-follower.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'wharf-follow-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function all(it: AsyncGenerator<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const l of it) out.push(l);
  return out;
}

test('rotated files are read oldest first, gzip ones too; tail reaches back across them', async () => {
  const path = join(dir, 'r.log');
  writeFileSync(`${path}.2.gz`, gzipSync('1\n2\n'));
  writeFileSync(`${path}.1`, '3\n4\n');
  writeFileSync(path, '5\n');
  assert.deepEqual(await all(followLines(path, { rotated: true })), ['1', '2', '3', '4', '5']);
  assert.deepEqual(await all(followLines(path, { rotated: true, tail: 4 })), ['2', '3', '4', '5']);
  assert.deepEqual(await all(followLines(path, { rotated: true, tail: 1 })), ['5']);
  assert.deepEqual(await all(followLines(path, { rotated: true, tail: 0 })), []);
  assert.deepEqual(await all(followLines(path, { tail: 9 })), ['5'], 'without rotated: the live file only');
});

test('following goes on through a rotation (renamed away) and a truncation in place', async () => {
  const path = join(dir, 'f.log');
  writeFileSync(path, 'a\n');
  let done = false;
  const reading = all(followLines(path, { follow: true, isDone: () => done }));
  const pause = () => new Promise((r) => setTimeout(r, 120));
  await pause();
  appendFileSync(path, 'b\n');
  renameSync(path, `${path}.1`);
  writeFileSync(path, 'c\n');
  await pause();
  truncateSync(path, 0);
  // Seen as a truncation only when the file is shorter than what was read.
  await pause();
  appendFileSync(path, 'd\n');
  await pause();
  appendFileSync(path, 'e\n');
  done = true;
  assert.deepEqual(await reading, ['a', 'b', 'c', 'd', 'e']);
});
