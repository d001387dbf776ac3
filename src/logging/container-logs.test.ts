import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerLogs, type LogTarget } from './container-logs.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'wharf-clogs-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const target = (id: string, config?: LogTarget['config']): LogTarget => ({ id, dir, config, source: { id, name: 'c', image: 'i', imageId: 'sha256:0', labels: {}, env: [] } });

async function read(logs: ContainerLogs, t: LogTarget, opts: { tail?: number; since?: Date; until?: Date } = {}): Promise<string[]> {
  const out: string[] = [];
  for await (const r of logs.read(t, { isStopped: () => true, ...opts })) out.push(`${r.stream} ${r.fixedTime} ${r.data.toString()}`);
  return out;
}

test('reads json-file records with tail and a since/until window; LogPath only for json-file', async () => {
  const logs = new ContainerLogs(async () => false);
  writeFileSync(join(dir, 'a-json.log'), [
    '{"log":"one\\n","stream":"stdout","time":"2026-01-01T00:00:01Z"}',
    '{"log":"two\\n","stream":"stderr","time":"2026-01-01T00:00:02.5Z"}',
    '{"log":"three\\n","stream":"stdout","time":"2026-01-01T00:00:03Z"}',
  ].join('\n') + '\n');
  assert.deepEqual(await read(logs, target('a'), { tail: 1 }), ['stdout 2026-01-01T00:00:03.000000000Z three\n']);
  assert.deepEqual(await read(logs, target('a'), { since: new Date('2026-01-01T00:00:02Z'), until: new Date('2026-01-01T00:00:02.9Z') }), ['stderr 2026-01-01T00:00:02.500000000Z two\n']);
  assert.equal(ContainerLogs.logPath(dir, 'a', { Type: 'json-file' }), join(dir, 'a-json.log'));
  assert.equal(ContainerLogs.logPath(dir, 'a', { Type: 'local' }), '');
  assert.deepEqual(await read(logs, target('a', { Type: 'none' })), []);
});

test('a log conmon wrote itself (containers from before shipping) still reads', async () => {
  const logs = new ContainerLogs(async () => false);
  writeFileSync(join(dir, 'old-json.log'), '2026-01-01T01:00:00.000000001+01:00 stdout F h\u00e9\n2026-01-01T01:00:01+01:00 stderr P no end\n');
  assert.deepEqual(await read(logs, target('old')), ['stdout 2026-01-01T00:00:00.000000001Z hé\n', 'stderr 2026-01-01T00:00:01.000000000Z no end']);
});
