import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conmonArgs, type ConmonLaunch } from './conmon.js';

const base: ConmonLaunch = {
  conmonPath: '/usr/bin/conmon',
  runtime: { path: '/usr/sbin/runc', root: '/state/runc' },
  id: 'c1',
  uuid: 'c1',
  bundle: '/b/c1',
  log: 'k8s-file:/b/c1/ctr.log',
  containerPidFile: '/b/c1/pidfile',
  conmonPidFile: '/b/c1/conmon.pid',
  exitDir: '/state/exits',
  tty: false,
  stdin: false,
};

const pairs = (args: string[], flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));

test('create mode: ids, runtime with its state root, bundle, files, log, exit dir', () => {
  const a = conmonArgs(base);
  assert.deepEqual(pairs(a, '-c'), ['c1']);
  assert.deepEqual(pairs(a, '-u'), ['c1']);
  assert.deepEqual(pairs(a, '-r'), ['/usr/sbin/runc']);
  assert.deepEqual(pairs(a, '--runtime-arg'), ['--root', '/state/runc']);
  assert.deepEqual(pairs(a, '-b'), ['/b/c1']);
  assert.deepEqual(pairs(a, '-p'), ['/b/c1/pidfile']);
  assert.deepEqual(pairs(a, '-P'), ['/b/c1/conmon.pid']);
  assert.deepEqual(pairs(a, '-l'), ['k8s-file:/b/c1/ctr.log']);
  assert.deepEqual(pairs(a, '--exit-dir'), ['/state/exits']);
  assert.deepEqual(pairs(a, '--api-version'), ['1']);
  assert.ok(a.includes('--full-attach'));
  for (const f of ['-t', '-i', '--exec', '--leave-stdin-open']) assert.ok(!a.includes(f), f);
});

test('TTY, stdin and exec flags', () => {
  const a = conmonArgs({ ...base, tty: true, stdin: true, leaveStdinOpen: true, exec: { processSpecPath: '/b/e/process.json', attach: true } });
  for (const f of ['-t', '-i', '--leave-stdin-open', '--exec', '--exec-attach']) assert.ok(a.includes(f), f);
  assert.deepEqual(pairs(a, '--exec-process-spec'), ['/b/e/process.json']);
  assert.ok(!a.includes('--persist-dir'), 'an exec must not overwrite the container\'s exit files');
});
