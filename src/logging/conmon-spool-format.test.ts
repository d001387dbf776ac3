import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSpoolLine, readSpool, spoolData } from './conmon-spool-format.js';
import { parseRfc3339 } from './json-log-line.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'wharf-spool-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const sample = [
  '2024-05-01T10:00:00.000000001+00:00 stdout F one',
  '2024-05-01T10:00:01.500000000+00:00 stderr F two',
  '2024-05-01T10:00:02.000000000+00:00 stdout P par',
  '2024-05-01T10:00:02.100000000+00:00 stdout F tial',
  '2024-05-01T12:00:03.000000000+02:00 stdout F ',
].join('\n') + '\n';

async function all<T>(it: AsyncGenerator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const e of it) out.push(e);
  return out;
}

test('parses a line: stream, time with offset, full vs partial', () => {
  const e = parseSpoolLine('2024-05-01T12:00:00.123456789+02:00 stderr F hello world')!;
  assert.equal(e.stream, 'stderr');
  assert.equal(e.time, '2024-05-01T10:00:00.123456789Z');
  assert.equal(spoolData(e).toString(), 'hello world\n');
  const p = parseSpoolLine('2024-05-01T10:00:00.1Z stdout P abc')!;
  assert.equal(p.partial, true);
  assert.equal(spoolData(p).toString(), 'abc');
  assert.equal(parseSpoolLine('garbage'), undefined);
  assert.equal(parseRfc3339('2024-05-01 10:00'), undefined);
  assert.equal(parseSpoolLine('2024-05-01T10:00:00.500000000+00:00 stdout F x')!.time, '2024-05-01T10:00:00.5Z');
});

test('reads all, the last N, and a since/until window', async () => {
  const path = join(dir, 'a.log');
  writeFileSync(path, sample);
  const everything = await all(readSpool(path));
  assert.deepEqual(everything.map((e) => e.data.toString()), ['one\n', 'two\n', 'par', 'tial\n', '\n']);
  assert.deepEqual((await all(readSpool(path, { tail: 2 }))).map((e) => e.data.toString()), ['tial\n', '\n']);
  assert.deepEqual(await all(readSpool(path, { tail: 0 })), []);
  assert.equal((await all(readSpool(path, { tail: 99 }))).length, 5);
  const window = await all(readSpool(path, { since: new Date('2024-05-01T10:00:01Z'), until: new Date('2024-05-01T10:00:02.05Z') }));
  assert.deepEqual(window.map((e) => e.data.toString()), ['two\n', 'par']);
});

test('a missing file without follow is empty', async () => {
  assert.deepEqual(await all(readSpool(join(dir, 'none.log'))), []);
});

test('follow: yields lines as they are appended and ends when done and drained', async () => {
  const path = join(dir, 'f.log');
  writeFileSync(path, '2024-05-01T10:00:00Z stdout F first\n');
  let done = false;
  const got: string[] = [];
  const reading = (async () => {
    for await (const e of readSpool(path, { follow: true, isDone: () => done })) got.push(e.data.toString());
  })();
  await new Promise((r) => setTimeout(r, 100));
  appendFileSync(path, '2024-05-01T10:00:01Z stdout F second\n');
  await new Promise((r) => setTimeout(r, 100));
  appendFileSync(path, '2024-05-01T10:00:02Z stdout F last\n');
  done = true;
  await reading;
  assert.deepEqual(got, ['first\n', 'second\n', 'last\n']);
});
