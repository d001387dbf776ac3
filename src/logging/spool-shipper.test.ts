import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, linkSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonLogWriter } from './json-log-writer.js';
import { SpoolShipper } from './spool-shipper.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'wharf-ship-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const T = '2026-11-22T04:00:00.250000000+01:00';
const spoolLine = (stream: string, tag: string, text: string) => `${T} ${stream} ${tag} ${text}\n`;

async function shipper(name: string, opts: { reopenSpool?: () => Promise<boolean>; rotateAt?: number; maxSize?: number; maxFile?: number } = {}) {
  const base = join(dir, name);
  const writer = new JsonLogWriter(`${base}-json.log`, { maxSize: opts.maxSize ?? -1, maxFile: opts.maxFile ?? 1, compress: false });
  await writer.open();
  const s = new SpoolShipper({ spoolPath: `${base}.spool`, checkpointPath: `${base}.pos`, writer, ...opts });
  return { s, writer, spool: `${base}.spool`, json: () => readFileSync(`${base}-json.log`, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { log: string; stream: string; time: string }) };
}

test('joins partial writes of a line per stream, converts times to UTC, releases an unfinished line at the end', async () => {
  const x = await shipper('join');
  writeFileSync(x.spool, spoolLine('stdout', 'P', 'hel') + spoolLine('stderr', 'F', 'err') + spoolLine('stdout', 'F', 'lo') + spoolLine('stdout', 'P', 'tail'));
  await x.s.start({ watch: false, fresh: true });
  assert.deepEqual(x.json().map((r) => [r.stream, r.log]), [['stderr', 'err\n'], ['stdout', 'hello\n']]);
  assert.equal(x.json()[0]!.time, '2026-11-22T03:00:00.25Z');
  await x.s.finish();
  await x.writer.close();
  assert.deepEqual(x.json().map((r) => r.log), ['err\n', 'hello\n', 'tail']);
  assert.equal(statSync(x.spool).size, 0, 'the spool is emptied once shipped');
});

test('a line running on without a newline is cut into records of 16 KiB', async () => {
  const x = await shipper('long');
  const piece = 'x'.repeat(8192);
  writeFileSync(x.spool, spoolLine('stdout', 'P', piece) + spoolLine('stdout', 'P', piece) + spoolLine('stdout', 'F', 'end'));
  await x.s.start({ watch: false, fresh: true });
  await x.s.finish();
  await x.writer.close();
  assert.deepEqual(x.json().map((r) => r.log.length), [16384, 4]);
});

test('after a stop mid-line, a restart ships each line exactly once and rebuilds the unfinished one', async () => {
  const x = await shipper('resume');
  writeFileSync(x.spool, spoolLine('stdout', 'F', 'one') + spoolLine('stdout', 'P', 'tw') + spoolLine('stderr', 'F', 'e1'));
  await x.s.start({ watch: false, fresh: true });
  await x.s.close(); // daemon gone; conmon writes on
  await x.writer.close();
  appendFileSync(x.spool, spoolLine('stdout', 'F', 'o') + spoolLine('stderr', 'F', 'e2'));
  const y = await shipper('resume');
  await y.s.start({ watch: false });
  await y.s.finish();
  await y.writer.close();
  assert.deepEqual(y.json().map((r) => r.log), ['one\n', 'e1\n', 'two\n', 'e2\n']);
});

test('a batch cut short by a crash (json written past the checkpoint) is not doubled', async () => {
  const x = await shipper('torn');
  writeFileSync(x.spool, spoolLine('stdout', 'F', 'a'));
  await x.s.start({ watch: false, fresh: true });
  await x.s.close();
  await x.writer.close();
  appendFileSync(x.spool, spoolLine('stdout', 'F', 'b'));
  // What a crash after the json write and before the checkpoint leaves.
  appendFileSync(join(dir, 'torn-json.log'), '{"log":"b\\n","stream":"stdout","time":"2026-11-22T03:00:00.25Z"}\n');
  const y = await shipper('torn');
  await y.s.start({ watch: false });
  await y.s.finish();
  await y.writer.close();
  assert.deepEqual(y.json().map((r) => r.log), ['a\n', 'b\n']);
});

test('the very first batch, cut short by a crash before its checkpoint, is not doubled', async () => {
  const x = await shipper('first');
  writeFileSync(x.spool, '');
  await x.s.start({ watch: false, fresh: true });
  const beforeShipping = readFileSync(join(dir, 'first.pos'));
  appendFileSync(x.spool, spoolLine('stdout', 'F', 'before'));
  await x.s.flush();
  await x.s.close();
  await x.writer.close();
  // What a crash after the json write and before the checkpoint leaves.
  writeFileSync(join(dir, 'first.pos'), beforeShipping);
  assert.equal(x.json().length, 1);
  const y = await shipper('first');
  await y.s.start({ watch: false });
  await y.s.finish();
  await y.writer.close();
  assert.deepEqual(y.json().map((r) => r.log), ['before\n']);
});

test('a crash just after a rotation and the write that followed it doubles nothing', async () => {
  const opts = { maxSize: 300, maxFile: 20 };
  const x = await shipper('rotcrash', opts);
  const lines = Array.from({ length: 40 }, (_, i) => spoolLine('stdout', 'F', `n${i}`));
  writeFileSync(x.spool, '');
  await x.s.start({ watch: false, fresh: true });
  // The crash: the live file was rotated and the next batch written, its checkpoint was not.
  const append = x.writer.append.bind(x.writer);
  let crashed = false;
  x.writer.append = async (records: string[]) => {
    const ino = x.writer.liveIno;
    await append(records);
    if (!crashed && x.writer.liveIno !== ino) {
      crashed = true;
      throw new Error('killed');
    }
  };
  appendFileSync(x.spool, lines.join(''));
  await x.s.flush();
  assert.ok(crashed, 'the batch after a rotation was written');
  await x.s.close();
  await x.writer.close();
  const y = await shipper('rotcrash', opts);
  await y.s.start({ watch: false });
  await y.s.finish();
  await y.writer.close();
  const base = join(dir, 'rotcrash-json.log');
  const files = readdirSync(dir).filter((f) => f.startsWith('rotcrash-json.log.')).map((f) => Number(f.split('.').pop())).sort((a, b) => b - a);
  assert.ok(files.length >= 2, 'several rotations');
  const shipped = [...files.map((n) => `${base}.${n}`), base].flatMap((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { log: string }).log));
  assert.deepEqual(shipped, lines.map((_, i) => `n${i}\n`));
});

test('hand-over: the monitor reopens a fresh spool; nothing is lost, and an interrupted one is finished at start', async () => {
  let x: Awaited<ReturnType<typeof shipper>>;
  // Does what conmon does on its reopen message: a new file renamed over the name.
  const reopen = async () => {
    writeFileSync(`${x.spool}.tmp`, '');
    renameSync(`${x.spool}.tmp`, x.spool);
    return true;
  };
  x = await shipper('handover', { reopenSpool: reopen, rotateAt: 100 });
  writeFileSync(x.spool, spoolLine('stdout', 'F', 'first') + spoolLine('stdout', 'F', 'second'));
  await x.s.start({ watch: false, fresh: true });
  await x.s.flush();
  const fresh = statSync(x.spool);
  assert.equal(fresh.size, 0, 'a fresh spool');
  appendFileSync(x.spool, spoolLine('stdout', 'F', 'third'));
  await x.s.close();
  await x.writer.close();

  // Interrupted: the old spool linked aside, conmon switched, the daemon died before draining it.
  linkSync(x.spool, `${x.spool}.old`);
  appendFileSync(x.spool, spoolLine('stdout', 'F', 'fourth'));
  writeFileSync(`${x.spool}.tmp`, spoolLine('stdout', 'F', 'fifth'));
  renameSync(`${x.spool}.tmp`, x.spool);
  const y = await shipper('handover');
  await y.s.start({ watch: false });
  await y.s.finish();
  await y.writer.close();
  assert.deepEqual(y.json().map((r) => r.log), ['first\n', 'second\n', 'third\n', 'fourth\n', 'fifth\n']);
  assert.throws(() => statSync(`${x.spool}.old`), /ENOENT/);
});

test('a failed write (disk full) loses nothing: the next pump ships the same lines once', async () => {
  const x = await shipper('full');
  let fail = true;
  const append = x.writer.append.bind(x.writer);
  x.writer.append = async (records: string[]) => {
    if (fail) {
      fail = false;
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    }
    return append(records);
  };
  writeFileSync(x.spool, spoolLine('stdout', 'P', 'ha') + spoolLine('stdout', 'F', 'lf') + spoolLine('stderr', 'F', 'e'));
  await x.s.start({ watch: false, fresh: true });
  assert.deepEqual(x.json(), []);
  await x.s.flush();
  await x.s.finish();
  await x.writer.close();
  assert.deepEqual(x.json().map((r) => r.log), ['half\n', 'e\n']);
});
