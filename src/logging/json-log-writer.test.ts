import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { JsonLogWriter } from './json-log-writer.js';
import { followLines } from './line-follower.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'wharf-jsonlog-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** 20 records of 77 bytes (dockerd's for `seq 20` are 77-78: rotation falls on the same lines). */
const records = Array.from({ length: 20 }, (_, i) => `{"log":"line-${String(i + 1).padStart(2, '0')}\\n","stream":"stdout","time":"2026-11-22T03:08:47.64581307Z"}\n`);
const numbersIn = (path: string, gz = false) => {
  const raw = readFileSync(path);
  return [...(gz ? gunzipSync(raw) : raw).toString().matchAll(/line-(\d+)/g)].map((m) => Number(m[1]));
};

test('rotates before a record once the live file reached max-size, keeping max-file files', async () => {
  const path = join(dir, 'a-json.log');
  const w = new JsonLogWriter(path, { maxSize: 200, maxFile: 3, compress: false });
  await w.open();
  await w.append(records.slice(0, 7));
  await w.append(records.slice(7));
  await w.close();
  // The split dockerd makes of the same 20 lines (max-size=200, max-file=3).
  assert.deepEqual(numbersIn(`${path}.2`), [13, 14, 15]);
  assert.deepEqual(numbersIn(`${path}.1`), [16, 17, 18]);
  assert.deepEqual(numbersIn(path), [19, 20]);
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('a-json')).sort(), ['a-json.log', 'a-json.log.1', 'a-json.log.2']);
});

test('compress gzips rotated files; max-file 1 starts the live file over', async () => {
  const gz = join(dir, 'b-json.log');
  const w = new JsonLogWriter(gz, { maxSize: 200, maxFile: 3, compress: true });
  await w.open();
  await w.append(records);
  await w.close();
  assert.deepEqual(numbersIn(`${gz}.1.gz`, true), [16, 17, 18]);
  assert.deepEqual(numbersIn(`${gz}.2.gz`, true), [13, 14, 15]);
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('b-json')).sort(), ['b-json.log', 'b-json.log.1.gz', 'b-json.log.2.gz']);

  const one = join(dir, 'c-json.log');
  const t = new JsonLogWriter(one, { maxSize: 200, maxFile: 1, compress: false });
  await t.open();
  await t.append(records);
  assert.deepEqual(numbersIn(one), [19, 20]);
  assert.equal(t.liveSize, 2 * records[0]!.length);
  await t.truncateTo(records[0]!.length);
  await t.close();
  assert.deepEqual(numbersIn(one), [19]);
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('c-json')), ['c-json.log']);
});

test('a follower reads every record across max-file 1 restarts of the live file', async () => {
  const path = join(dir, 'd-json.log');
  const w = new JsonLogWriter(path, { maxSize: 200, maxFile: 1, compress: false });
  await w.open();
  let done = false;
  const seen: number[] = [];
  const reading = (async () => {
    for await (const line of followLines(path, { follow: true, isDone: () => done })) seen.push(Number(/line-(\d+)/.exec(line)?.[1]));
  })();
  // Three records a time: each restart leaves the file as long as before, which a reader
  // watching sizes alone would not notice.
  for (let i = 0; i < 18; i += 3) {
    await w.append(records.slice(i, i + 3));
    await new Promise((res) => setTimeout(res, 300));
  }
  await w.close();
  done = true;
  await reading;
  assert.deepEqual(seen, records.slice(0, 18).map((_, i) => i + 1));
});

test('a rotation cut short by a crash is finished at open: the plain .1 is compressed, not renamed over', async () => {
  const path = join(dir, 'e-json.log');
  const policy = { maxSize: 200, maxFile: 2, compress: true };
  const w = new JsonLogWriter(path, policy);
  await w.open();
  await w.append(records.slice(0, 6));
  await w.close();
  assert.deepEqual(numbersIn(`${path}.1.gz`, true), [1, 2, 3]);
  // Killed after the live file became `.1` (the old `.1.gz` dropped first, max-file being 2),
  // before its gzip copy was made.
  rmSync(`${path}.1.gz`);
  renameSync(path, `${path}.1`);
  writeFileSync(`${path}.1.gz.tmp`, 'torn');
  const again = new JsonLogWriter(path, policy);
  await again.open();
  await again.append(records.slice(6, 9));
  await again.close();
  assert.deepEqual(numbersIn(`${path}.1.gz`, true), [4, 5, 6]);
  assert.deepEqual(numbersIn(path), [7, 8, 9]);
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('e-json')).sort(), ['e-json.log', 'e-json.log.1.gz']);
});
