import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoggingInitError, parseSize, planLogging, validateLogConfig } from './log-config.js';

test('create-time checks: driver known, options known for it (dockerd wording)', () => {
  assert.throws(() => validateLogConfig({ Type: 'nosuch' }), { message: 'error looking up logging plugin nosuch: plugin "nosuch" not found' });
  assert.throws(() => validateLogConfig({ Type: 'json-file', Config: { foo: 'x' } }), { message: "unknown log opt 'foo' for json-file log driver" });
  assert.throws(() => validateLogConfig({ Type: 'local', Config: { labels: 'x' } }), { message: "unknown log opt 'labels' for log driver local" });
  validateLogConfig(undefined);
  validateLogConfig({ Type: 'none', Config: { anything: '1' } });
  validateLogConfig({ Type: 'journald' });
});

test('start-time plans and errors', () => {
  assert.deepEqual(planLogging(undefined), { driver: 'json-file', maxSize: -1, maxFile: 1, compress: false, options: {} });
  assert.deepEqual(planLogging({ Type: 'local' }), { driver: 'local', maxSize: 20 * 1024 * 1024, maxFile: 5, compress: true, options: {} });
  const p = planLogging({ Type: 'json-file', Config: { 'max-size': '1.5k', 'max-file': '3', compress: 'T' } });
  assert.deepEqual([p.driver, 'maxSize' in p && p.maxSize, 'maxFile' in p && p.maxFile, 'compress' in p && p.compress], ['json-file', 1536, 3, true]);
  const fails: [Record<string, string>, string][] = [
    [{ 'max-size': 'abc' }, "invalid size: 'abc'"],
    [{ 'max-size': '0' }, 'max-size must be a positive number'],
    [{ 'max-file': '0' }, 'max-file cannot be less than 1'],
    [{ 'max-file': 'x' }, 'strconv.Atoi: parsing "x": invalid syntax'],
    [{ compress: 'true' }, 'compress cannot be true when max-file is less than 2 or max-size is not set'],
    [{ compress: 'maybe' }, 'strconv.ParseBool: parsing "maybe": invalid syntax'],
  ];
  for (const [cfg, msg] of fails) {
    assert.throws(() => planLogging({ Type: 'json-file', Config: cfg }), (e: unknown) => e instanceof LoggingInitError && e.message === `failed to initialize logging driver: ${msg}`);
  }
  assert.throws(() => planLogging({ Type: 'local', Config: { 'max-size': 'abc' } }), { message: "failed to initialize logging driver: invalid value for max-size: abc: invalid size: 'abc'" });
  assert.throws(() => planLogging({ Type: 'local', Config: { 'max-file': '1' } }), { message: 'failed to initialize logging driver: compression cannot be enabled when max file count is 1' });
  assert.throws(() => planLogging({ Type: 'syslog' }), /failed to initialize logging driver: the syslog logging driver is not available/);
});

test('sizes as dockerd reads them: binary multiples, optional i/b suffixes', () => {
  assert.equal(parseSize('10'), 10);
  assert.equal(parseSize('10m'), 10 * 1024 * 1024);
  assert.equal(parseSize('1KB'), 1024);
  assert.equal(parseSize('2 GiB'), 2 * 1024 ** 3);
  assert.throws(() => parseSize('-5'), { message: "invalid size: '-5'" });
  assert.throws(() => parseSize('5x'), { message: "invalid size: '5x'" });
});
