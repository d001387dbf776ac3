import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WharfError } from '../common/errors.js';
import { commandOf, mergeEnv, mergeImageConfig, validateHostConfig } from './config-merge.js';

const image = { Entrypoint: ['/entry'], Cmd: ['default'], Env: ['PATH=/bin', 'A=1'], WorkingDir: '/w', User: 'nobody', Labels: { a: '1' } };

test('a user Cmd keeps the image entrypoint; a user entrypoint drops the image Cmd', () => {
  const a = mergeImageConfig({ Image: 'x', Cmd: ['mine'] }, image);
  assert.deepEqual(commandOf(a), { path: '/entry', args: ['mine'] });
  const b = mergeImageConfig({ Image: 'x', Entrypoint: ['/other'] }, image);
  assert.deepEqual(commandOf(b), { path: '/other', args: [] });
  const c = mergeImageConfig({ Image: 'x' }, image);
  assert.deepEqual(commandOf(c), { path: '/entry', args: ['default'] });
});

test('--entrypoint "" clears the image entrypoint and falls back to the image Cmd', () => {
  const cfg = mergeImageConfig({ Image: 'x', Entrypoint: [''] }, image);
  assert.deepEqual(commandOf(cfg), { path: 'default', args: [] });
});

test('env merges by key in place, labels merge, defaults fall back to the image', () => {
  assert.deepEqual(mergeEnv(['A=1', 'B=2'], ['B=3', 'C=4']), ['A=1', 'B=3', 'C=4']);
  const cfg = mergeImageConfig({ Image: 'x', Env: ['A=2'], Labels: { b: '2' } }, image);
  assert.deepEqual(cfg.Env, ['PATH=/bin', 'A=2']);
  assert.deepEqual(cfg.Labels, { a: '1', b: '2' });
  assert.equal(cfg.WorkingDir, '/w');
  assert.equal(cfg.User, 'nobody');
  assert.ok(mergeImageConfig({ Image: 'x', Cmd: ['a'] }, {}).Env.some((e: string) => e.startsWith('PATH=')), 'PATH defaulted');
});

test('no command at all is a 400 "No command specified"', () => {
  const cfg = mergeImageConfig({ Image: 'x' }, {});
  assert.throws(() => commandOf(cfg), (e: unknown) => e instanceof WharfError && e.kind === 'invalid-parameter' && e.message === 'No command specified');
});

test('host config validation rejects what dockerd rejects', () => {
  const bad = (hc: object, re: RegExp) => assert.throws(() => validateHostConfig(hc), (e: unknown) => e instanceof WharfError && e.kind === 'invalid-parameter' && re.test(e.message));
  bad({ RestartPolicy: { Name: 'sometimes' } }, /invalid restart policy/);
  bad({ RestartPolicy: { Name: 'always', MaximumRetryCount: 3 } }, /maximum retry count/);
  bad({ AutoRemove: true, RestartPolicy: { Name: 'always' } }, /AutoRemove/);
  bad({ Memory: 1024 }, /Minimum memory limit allowed is 6MB/);
  bad({ NanoCpus: 1e15 }, /Range of CPUs/);
  const ok = validateHostConfig({});
  assert.deepEqual(ok.RestartPolicy, { Name: 'no', MaximumRetryCount: 0 });
  assert.equal(ok.NetworkMode, 'default');
});
