import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidName, isValidTag, parseDigest } from './grammar.js';

test('repository names follow the spec grammar and cannot escape the storage root', () => {
  for (const ok of ['busybox', 'library/busybox', 'a/b/c', 'my-app', 'my__app', 'my.app', 'a--b', '0x/y']) assert.ok(isValidName(ok), ok);
  for (const bad of ['', 'Busybox', '../etc', 'a/../b', 'a//b', '/a', 'a/', '_x', 'a/_manifests', 'a..b', 'a___b', 'a.', 'x'.repeat(256), 'a b']) {
    assert.equal(isValidName(bad), false, bad);
  }
});

test('tags are up to 128 characters of [A-Za-z0-9_.-], not starting with . or -', () => {
  for (const ok of ['latest', 'v1.0', '_x', 'A-b_c.d', 'x'.repeat(128)]) assert.ok(isValidTag(ok), ok);
  for (const bad of ['', '.hidden', '-x', 'a/b', 'x'.repeat(129), 'a:b', '..']) assert.equal(isValidTag(bad), false, bad);
});

test('digests: sha256 and sha512 with lowercase hex of the right length', () => {
  const hex = 'a'.repeat(64);
  assert.deepEqual(parseDigest(`sha256:${hex}`), { algorithm: 'sha256', hex, digest: `sha256:${hex}` });
  assert.ok(parseDigest(`sha512:${'b'.repeat(128)}`));
  for (const bad of [`sha256:${'A'.repeat(64)}`, `sha256:${hex}0`, 'sha256:', `md5:${'a'.repeat(32)}`, hex, `sha256:../${hex.slice(3)}`]) {
    assert.equal(parseDigest(bad), undefined, bad);
  }
});
