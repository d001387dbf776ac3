import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeJsonLogLine, escapeLogString, parseJsonLogLine, parseRfc3339 } from './json-log-line.js';

test('escapes as dockerd does (bytes observed from dockerd 20.10 json-file logs)', () => {
  const raw = Buffer.concat([Buffer.from('a\bb\fc\u2028\x1b[0m\r\t"\\\n'), Buffer.from('part\x01'), Buffer.from([0xff]), Buffer.from('\n<a&b> é\n')]);
  assert.equal(
    escapeLogString(raw.toString('utf8')),
    'a\\u0008b\\u000cc\\u2028\\u001b[0m\\r\\u0009\\"\\\\\\npart\\u0001\\ufffd\\n\\u003ca\\u0026b\\u003e é\\n',
  );
});

test('a record: field order, attrs sorted, partial lines keep no newline', () => {
  const line = encodeJsonLogLine({ stream: 'stderr', data: Buffer.from('oops\n'), time: '2026-01-02T03:04:05.1Z', attrs: { z: '1', a: '<' } });
  assert.equal(line.toString(), '{"log":"oops\\n","stream":"stderr","attrs":{"a":"\\u003c","z":"1"},"time":"2026-01-02T03:04:05.1Z"}\n');
  const partial = encodeJsonLogLine({ stream: 'stdout', data: Buffer.from('no end'), time: '2026-01-02T03:04:05Z' });
  assert.equal(partial.toString(), '{"log":"no end","stream":"stdout","time":"2026-01-02T03:04:05Z"}\n');
});

test('parses records back; times in both forms; garbage is skipped', () => {
  const r = parseJsonLogLine('{"log":"h\\u00e9\\n","stream":"stderr","attrs":{"k":"v"},"time":"2026-01-02T03:04:05.12Z"}')!;
  assert.equal(r.stream, 'stderr');
  assert.equal(r.data.toString(), 'hé\n');
  assert.equal(r.fixedTime, '2026-01-02T03:04:05.120000000Z');
  assert.equal(parseJsonLogLine('{"log":"","time":"2026-01-02T03:04:05Z"}')!.fixedTime, '2026-01-02T03:04:05.000000000Z');
  assert.equal(parseJsonLogLine('{"log":"","time":"2026-01-02T05:04:05.5+02:00"}')!.fixedTime, '2026-01-02T03:04:05.500000000Z');
  assert.deepEqual(r.attrs, { k: 'v' });
  assert.equal(parseJsonLogLine('not json'), undefined);
  assert.equal(parseJsonLogLine('{"log":1,"time":"x"}'), undefined);
});

test('RFC3339 times: zones folded to UTC, Go trims fraction zeros', () => {
  assert.deepEqual(parseRfc3339('2026-01-02T05:04:05.500000000+02:00')!.nano, '2026-01-02T03:04:05.5Z');
  assert.deepEqual(parseRfc3339('2026-01-02T03:04:05.000000000Z')!.nano, '2026-01-02T03:04:05Z');
  assert.deepEqual(parseRfc3339('2026-01-02T03:04:05.000000001-00:30')!.fixed, '2026-01-02T03:34:05.000000001Z');
  assert.equal(parseRfc3339('2026-01-02 03:04:05Z'), undefined);
});
