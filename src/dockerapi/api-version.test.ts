import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareVersions, splitVersionPrefix, versionProblem } from './api-version.js';

describe('API versions', () => {
  it('compares numerically', () => {
    assert.equal(compareVersions('1.9', '1.24'), -1);
    assert.equal(compareVersions('1.45', '1.45'), 0);
    assert.equal(compareVersions('1.50', '1.45'), 1);
  });

  it('splits the version prefix off a path', () => {
    assert.deepEqual(splitVersionPrefix('/v1.45/containers/json'), { version: '1.45', path: '/containers/json' });
    assert.deepEqual(splitVersionPrefix('/containers/json'), { path: '/containers/json' });
    assert.deepEqual(splitVersionPrefix('/version'), { path: '/version' });
  });

  it('accepts 1.24 to 1.45 only', () => {
    assert.equal(versionProblem('1.24'), undefined);
    assert.equal(versionProblem('1.41'), undefined);
    assert.match(versionProblem('1.46') ?? '', /too new/);
    assert.match(versionProblem('1.23') ?? '', /too old/);
  });
});
