import { test } from 'node:test';
import assert from 'node:assert/strict';
import { processWord, processWords, splitWordsKeepQuotes } from './shell-lex.js';

const env = new Map([
  ['set', 'value'],
  ['empty', ''],
  ['path', '/usr/local/bin.tar.gz'],
]);

test('substitution table (Docker shell-word rules)', () => {
  const table: [string, string][] = [
    ['$set', 'value'],
    ['${set}', 'value'],
    ['$unset', ''],
    ['a$set-b', 'avalue-b'],
    ['${set}x', 'valuex'],
    ['${unset:-w}', 'w'],
    ['${empty:-w}', 'w'],
    ['${set:-w}', 'value'],
    ['${unset-w}', 'w'],
    ['${empty-w}', ''],
    ['${set:+w}', 'w'],
    ['${empty:+w}', ''],
    ['${unset:+w}', ''],
    ['${empty+w}', 'w'],
    ['${unset+w}', ''],
    ['${unset:-${set}}', 'value'],
    ['${path#*.}', 'tar.gz'],
    ['${path%.*}', '/usr/local/bin.tar'],
    ["'$set'", '$set'],
    ['"$set"', 'value'],
    ['"\\$set"', '$set'],
    ['\\$set', '$set'],
    ['$', '$'],
    ['a\\ b', 'a b'],
    ['"a b"', 'a b'],
    ['"it\'s"', "it's"],
  ];
  for (const [input, want] of table) assert.equal(processWord(input, env), want, input);
});

test('${v:?msg} fails for unset or empty, ${v?msg} only for unset', () => {
  assert.throws(() => processWord('${unset:?needed}', env), /unset: needed/);
  assert.throws(() => processWord('${empty:?needed}', env), /empty: needed/);
  assert.equal(processWord('${empty?needed}', env), '');
  assert.throws(() => processWord('"open', env), /double-quote/);
});

test('the escape directive changes the escape character', () => {
  assert.equal(processWord('`$set', env, '`'), '$set');
  assert.equal(processWord('C:\\dir', env, '`'), 'C:\\dir');
});

test('processWords splits on unquoted whitespace after expansion rules', () => {
  assert.deepEqual(processWords('a "b c" ${set}  d\\ e', env), ['a', 'b c', 'value', 'd e']);
  assert.deepEqual(processWords('', env), []);
});

test('splitWordsKeepQuotes keeps quotes for later processing', () => {
  assert.deepEqual(splitWordsKeepQuotes('a="x y" b=\'z w\' c=d\\ e'), ['a="x y"', "b='z w'", 'c=d\\ e']);
});
