import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WharfError } from '../common/errors.js';
import { boolQuery, intQuery, parseFilters, timeQuery } from './query.js';

const q = (s: string) => new URLSearchParams(s);

describe('query parsing', () => {
  it('reads Docker booleans: 1/true (any case) are true; 0/false/empty/absent are false', () => {
    assert.equal(boolQuery(q('a=1'), 'a'), true);
    assert.equal(boolQuery(q('a=True'), 'a'), true);
    assert.equal(boolQuery(q('a=0'), 'a'), false);
    assert.equal(boolQuery(q('a=false'), 'a'), false);
    assert.equal(boolQuery(q('a='), 'a'), false);
    assert.equal(boolQuery(q(''), 'a'), false);
    assert.equal(boolQuery(q(''), 'stream', true), true);
  });

  it('reads integers and rejects garbage with invalid-parameter', () => {
    assert.equal(intQuery(q('t=5'), 't'), 5);
    assert.equal(intQuery(q('t=-1'), 't'), -1);
    assert.equal(intQuery(q(''), 't'), undefined);
    assert.throws(() => intQuery(q('t=abc'), 't'), (e: unknown) => e instanceof WharfError && e.kind === 'invalid-parameter');
  });

  it('parses filters in the list form and the older map form', () => {
    assert.deepEqual(parseFilters('{"label":["a=b","c"],"status":["running"]}'), { label: ['a=b', 'c'], status: ['running'] });
    assert.deepEqual(parseFilters('{"label":{"a=b":true,"off":false},"dangling":{"true":true}}'), { label: ['a=b'], dangling: ['true'] });
    assert.deepEqual(parseFilters(null), {});
    assert.deepEqual(parseFilters(''), {});
  });

  it('rejects malformed filters with invalid-parameter', () => {
    for (const bad of ['{x', '[1]', '{"a":"b"}', '"s"']) {
      assert.throws(() => parseFilters(bad), (e: unknown) => e instanceof WharfError && e.kind === 'invalid-parameter', bad);
    }
  });

  it('reads since/until as unix seconds, fractional or RFC 3339', () => {
    assert.equal(timeQuery(q('since=1700000000'), 'since'), 1700000000);
    assert.equal(timeQuery(q('since=1700000000.5'), 'since'), 1700000000.5);
    assert.equal(timeQuery(q('since=2023-11-14T22:13:20Z'), 'since'), 1700000000);
    assert.throws(() => timeQuery(q('since=yesterday'), 'since'));
  });
});
