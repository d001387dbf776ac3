import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execProcess } from './exec-process.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'wharf-execp-'));
  mkdirSync(join(dir, 'rootfs', 'etc'), { recursive: true });
  writeFileSync(join(dir, 'rootfs/etc/passwd'), 'root:x:0:0::/root:/bin/sh\napp:x:7:8::/app:/bin/sh\n');
  writeFileSync(join(dir, 'rootfs/etc/group'), 'root:x:0:\napp:x:8:\n');
  writeFileSync(join(dir, 'config.json'), JSON.stringify({
    root: { path: join(dir, 'rootfs') },
    process: {
      args: ['init'], env: ['PATH=/bin', 'A=1'], cwd: '/srv', user: { uid: 0, gid: 0 },
      capabilities: { bounding: ['CAP_CHOWN'] }, rlimits: [{ type: 'RLIMIT_NOFILE', hard: 10, soft: 10 }],
      noNewPrivileges: true, oomScoreAdj: 500,
    },
  }));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('an exec inherits the container\'s process settings and env, with its own command', async () => {
  const p = await execProcess(dir, { args: ['ls'] }, false);
  assert.deepEqual(p.args, ['ls']);
  assert.deepEqual(p.env, ['PATH=/bin', 'A=1']);
  assert.equal(p.cwd, '/srv');
  assert.deepEqual(p.capabilities, { bounding: ['CAP_CHOWN'] });
  assert.equal(p.noNewPrivileges, true);
  assert.equal(p.terminal, false);
  assert.equal(p.oomScoreAdj, undefined);
});

test('caller fields win; a -u string is resolved in the container', async () => {
  const p = await execProcess(dir, { args: ['id'], env: ['B=2'], cwd: '/tmp', user: 'app' }, true);
  assert.deepEqual(p.env, ['B=2']);
  assert.equal(p.cwd, '/tmp');
  assert.deepEqual(p.user, { uid: 7, gid: 8, additionalGids: [8] });
  assert.equal(p.terminal, true);
  await assert.rejects(execProcess(dir, { args: ['id'], user: 'ghost' }, false), /unable to find user ghost/);
  await assert.rejects(execProcess(dir, { args: [] }, false), /No exec command specified/);
});
