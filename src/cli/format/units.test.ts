import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ago, bytesSize, formatG, goTimeString, humanDuration, humanSize, parseGoDuration, parseRamSize, parseTimestamp } from './units.js';

test('human sizes as docker prints them', () => {
  assert.equal(humanSize(0, 3), '0B');
  assert.equal(humanSize(1984000, 3), '1.98MB');
  assert.equal(humanSize(1984000), '1.984MB');
  assert.equal(humanSize(999, 3), '999B');
  assert.equal(humanSize(1000, 3), '1kB');
  assert.equal(humanSize(999999, 3), '1e+03kB');
  assert.equal(humanSize(5.5e9, 3), '5.5GB');
  assert.equal(bytesSize(1536), '1.5KiB');
  assert.equal(bytesSize(8 * 1024 ** 3), '8GiB');
  assert.equal(formatG(0.0001234, 3), '0.000123');
  assert.equal(formatG(123456789, 4), '1.235e+08');
});

test('durations and "ago" as go-units words them', () => {
  assert.equal(humanDuration(500), 'Less than a second');
  assert.equal(humanDuration(1000), '1 second');
  assert.equal(humanDuration(45000), '45 seconds');
  assert.equal(humanDuration(61000), 'About a minute');
  assert.equal(humanDuration(5 * 60000), '5 minutes');
  assert.equal(humanDuration(3600000), 'About an hour');
  assert.equal(humanDuration(3 * 3600000), '3 hours');
  assert.equal(humanDuration(3 * 86400000), '3 days');
  assert.equal(humanDuration(20 * 86400000), '2 weeks');
  assert.equal(humanDuration(90 * 86400000), '3 months');
  assert.equal(humanDuration(800 * 86400000), '2 years');
  assert.equal(ago(1000, 1000 * 1000 + 2500), '2 seconds ago');
});

test('Go durations, RAM sizes and timestamps', () => {
  assert.equal(parseGoDuration('1m30s'), 90000);
  assert.equal(parseGoDuration('500ms'), 500);
  assert.equal(parseGoDuration('1.5h'), 5400000);
  assert.throws(() => parseGoDuration('10'), /missing unit/);
  assert.throws(() => parseGoDuration('abc'), /invalid duration/);
  assert.equal(parseRamSize('512m'), 512 * 1024 * 1024);
  assert.equal(parseRamSize('1g'), 1024 ** 3);
  assert.equal(parseRamSize('1024'), 1024);
  assert.throws(() => parseRamSize('lots'));
  assert.equal(parseTimestamp('1700000000'), '1700000000');
  assert.equal(parseTimestamp('10s', 1700000010000), '1700000000');
  assert.equal(parseTimestamp('2023-11-14T22:13:20Z'), '1700000000');
  assert.throws(() => parseTimestamp('yesterday-ish'));
});

test('Go time.String() shape', () => {
  assert.match(goTimeString(new Date(0)), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} \S+$/);
});
