import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cgroupDir, detectCgroups, parseLimit } from './cgroups.js';

test('detects v2 by cgroup.controllers at the root, else v1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-cgd-'));
  try {
    mkdirSync(join(dir, 'v1', 'memory'), { recursive: true });
    writeFileSync(join(dir, 'v1', 'memory', 'memory.memsw.limit_in_bytes'), '');
    assert.deepEqual(detectCgroups(join(dir, 'v1')), { version: 1, root: join(dir, 'v1'), swapLimit: true });
    mkdirSync(join(dir, 'v2'));
    writeFileSync(join(dir, 'v2', 'cgroup.controllers'), 'cpu memory pids\n');
    assert.equal(detectCgroups(join(dir, 'v2')).version, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('this host: hybrid layout counts as v1', () => {
  assert.equal(detectCgroups().version, 1);
});

test('paths and limits', () => {
  assert.equal(cgroupDir({ version: 1, root: '/cg', swapLimit: false }, '/wharf/x', 'memory'), '/cg/memory/wharf/x');
  assert.equal(cgroupDir({ version: 2, root: '/cg', swapLimit: false }, '/wharf/x', 'memory'), '/cg/wharf/x');
  assert.equal(parseLimit('max'), undefined);
  assert.equal(parseLimit('9223372036854771712'), undefined);
  assert.equal(parseLimit('1024'), 1024);
});
