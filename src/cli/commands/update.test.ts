import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, UsageError } from '../args.js';
import { CliError } from '../cli-error.js';
import { update, updateBody } from './update.js';

const body = (argv: string[]) => updateBody(parseArgs(update.spec, [...argv, 'c1']));

test('flags become the body docker sends: zero values keep, PidsLimit only when given', () => {
  const b = body(['-m', '300m', '--memory-swap', '-1', '--cpus', '1.5', '-c', '512', '--cpuset-cpus', '0-1', '--restart', 'on-failure:3']);
  assert.equal(b.Memory, 300 * 1024 * 1024);
  assert.equal(b.MemorySwap, -1);
  assert.equal(b.NanoCpus, 1.5e9);
  assert.equal(b.CpuShares, 512);
  assert.equal(b.CpusetCpus, '0-1');
  assert.equal(b.CpusetMems, '');
  assert.equal(b.PidsLimit, null);
  assert.deepEqual(b.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 3 });
  assert.equal(body(['--pids-limit', '-1']).PidsLimit, -1);
  assert.deepEqual(body(['--pids-limit', '5']).RestartPolicy, { Name: '', MaximumRetryCount: 0 });
});

test("docker's messages for missing or bad flags", () => {
  assert.throws(() => body([]), (e: unknown) => e instanceof CliError && e.exitCode === 1 && e.message === 'you must provide one or more flags when using this command');
  assert.throws(() => body(['--memory', 'abc']), (e: unknown) => e instanceof UsageError && e.message === `invalid argument "abc" for "-m, --memory" flag: invalid size: 'abc'`);
  assert.throws(() => body(['--cpus', 'x']), (e: unknown) => e instanceof UsageError && e.message === 'invalid argument "x" for "--cpus" flag: failed to parse x as a rational number');
  assert.throws(() => body(['--blkio-weight', '70000']), (e: unknown) => e instanceof UsageError && /value out of range$/.test(e.message));
  assert.throws(() => body(['--restart', 'always:x']), (e: unknown) => e instanceof CliError && e.message === 'invalid restart policy format: maximum retry count must be an integer');
});
