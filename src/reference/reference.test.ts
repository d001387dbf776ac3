import { test } from 'node:test';
import assert from 'node:assert/strict';
import { familiarMatch, familiarString, normalize, parseAnyReference, parseNormalizedNamed, refString } from './reference.js';

test('normalises short names as Docker does', () => {
  assert.equal(refString(normalize('busybox')), 'docker.io/library/busybox:latest');
  assert.equal(refString(normalize('user/app:1.0')), 'docker.io/user/app:1.0');
  assert.equal(refString(normalize('index.docker.io/busybox')), 'docker.io/library/busybox:latest');
  assert.equal(refString(normalize('localhost:5000/a/b:t')), 'localhost:5000/a/b:t');
  assert.equal(refString(normalize('localhost/x')), 'localhost/x:latest');
  assert.equal(refString(normalize('[::1]:5000/x')), '[::1]:5000/x:latest');
  const d = 'sha256:' + 'a'.repeat(64);
  assert.equal(refString(normalize(`busybox@${d}`)), `docker.io/library/busybox@${d}`);
});

test('gives familiar names back for display', () => {
  assert.equal(familiarString(normalize('busybox')), 'busybox:latest');
  assert.equal(familiarString(normalize('docker.io/library/busybox:1')), 'busybox:1');
  assert.equal(familiarString(normalize('docker.io/user/app')), 'user/app:latest');
  assert.equal(familiarString(normalize('localhost:5000/a/b:t')), 'localhost:5000/a/b:t');
  assert.equal(familiarString(normalize('docker.io/library/a/b')), 'library/a/b:latest');
});

test('rejects bad references with Docker messages', () => {
  assert.throws(() => parseNormalizedNamed('UPPER'), { message: 'invalid reference format: repository name (library/UPPER) must be lowercase' });
  assert.throws(() => parseNormalizedNamed('a:b:c'), { message: 'invalid reference format' });
  assert.throws(() => parseNormalizedNamed(''), { message: 'invalid reference format' });
  assert.throws(() => parseNormalizedNamed('busybox:'), { message: 'invalid reference format' });
  assert.throws(() => parseNormalizedNamed('-x'), { message: 'invalid reference format' });
  assert.throws(() => parseNormalizedNamed('a'.repeat(64)), /cannot specify 64-byte hexadecimal strings/);
  assert.throws(() => parseNormalizedNamed('busybox@sha256:abc'), { message: 'invalid reference format' });
  assert.throws(() => parseNormalizedNamed('x/' + 'a'.repeat(260)), /must not be more than 255 characters/);
  assert.throws(() => parseNormalizedNamed('busybox:' + 'a'.repeat(129)), { message: 'invalid reference format' });
  assert.throws(() => parseNormalizedNamed('UPPER'), (e: Error & { kind?: string }) => e.kind === 'invalid-parameter');
});

test('parseAnyReference takes IDs and names', () => {
  const hex = 'b'.repeat(64);
  assert.deepEqual(parseAnyReference(hex), { kind: 'digest', digest: `sha256:${hex}` });
  assert.deepEqual(parseAnyReference(`sha256:${hex}`), { kind: 'digest', digest: `sha256:${hex}` });
  const n = parseAnyReference('busybox');
  assert.equal(n.kind, 'named');
});

test('reference filter patterns match familiar names', () => {
  assert.ok(familiarMatch('busybox', normalize('busybox')));
  assert.ok(familiarMatch('busy*', normalize('busybox:1')));
  assert.ok(familiarMatch('busybox:l*', normalize('busybox')));
  assert.ok(!familiarMatch('busybox:1', normalize('busybox')));
  assert.ok(!familiarMatch('*', normalize('user/app')));
  assert.ok(familiarMatch('*/*', normalize('user/app')));
});
