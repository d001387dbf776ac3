import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IgnoreMatcher, readIgnoreLines } from './dockerignore.js';

test('lines are cleaned: comments, blanks, leading slash, ./', () => {
  assert.deepEqual(readIgnoreLines('# c\n\n/foo/\n./bar/../baz\n !keep \n'), ['foo', 'baz', '!keep']);
});

test('matching follows Docker: segments, **, parents, last match wins', () => {
  const m = IgnoreMatcher.fromContent(['*.log', 'build', 'docs/**/*.md', '!docs/keep.md', 'tmp?', '**/cache', 'a/*/c'].join('\n'));
  const cases: [string, boolean][] = [
    ['x.log', true],
    ['sub/x.log', false], // * does not cross "/"
    ['build', true],
    ['build/out/bin', true], // under an excluded dir
    ['docs/a.md', true], // ** matches zero segments
    ['docs/x/y/a.md', true],
    ['docs/keep.md', false],
    ['docs/a.txt', false],
    ['tmp1', true],
    ['tmp12', false],
    ['cache', true],
    ['deep/er/cache/file', true],
    ['a/b/c', true],
    ['a/b/d', false],
    ['src/main.ts', false],
  ];
  for (const [p, want] of cases) assert.equal(m.ignores(p), want, p);
});

test('exception re-includes a file inside an excluded directory', () => {
  const m = IgnoreMatcher.fromContent('vendor\n!vendor/keep.txt\n');
  assert.equal(m.ignores('vendor/drop.txt'), true);
  assert.equal(m.ignores('vendor/keep.txt'), false);
  assert.equal(m.hasExceptions, true);
});

test('character classes and escapes', () => {
  const m = IgnoreMatcher.fromContent('file[0-9].txt\nweird\\*name\n');
  assert.equal(m.ignores('file3.txt'), true);
  assert.equal(m.ignores('filex.txt'), false);
  assert.equal(m.ignores('weird*name'), true);
  assert.equal(m.ignores('weirdXname'), false);
});
