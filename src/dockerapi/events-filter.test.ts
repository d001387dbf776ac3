import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DockerEvent } from '../events/event-bus.js';
import { compileEventFilter } from './events-filter.js';

function ev(Type: DockerEvent['Type'], Action: string, ID: string, Attributes: Record<string, string> = {}): DockerEvent {
  return { Type, Action, Actor: { ID, Attributes }, scope: 'local', time: 0, timeNano: 0 };
}

const start = ev('container', 'start', 'abcdef123456', { name: 'web', image: 'busybox:latest', tier: 'front' });
const tag = ev('image', 'tag', 'sha256:aaa', { name: 'busybox:latest' });
const exec = ev('container', 'exec_start: sh -c true', 'abcdef123456', { name: 'web' });

describe('event filters', () => {
  it('passes everything without filters', () => {
    const f = compileEventFilter({});
    assert.ok(f(start) && f(tag) && f(exec));
  });

  it('matches type and event exactly; values of one key are alternatives', () => {
    assert.equal(compileEventFilter({ type: ['image'] })(start), false);
    assert.equal(compileEventFilter({ type: ['image', 'container'] })(start), true);
    assert.equal(compileEventFilter({ event: ['stop'] })(start), false);
    assert.equal(compileEventFilter({ event: ['sta'] })(start), false);
    assert.equal(compileEventFilter({ event: ['start', 'stop'] })(start), true);
  });

  it('matches exec_start by prefix, as dockerd does', () => {
    assert.equal(compileEventFilter({ event: ['exec_start'] })(exec), true);
  });

  it('matches containers by name or ID prefix, and excludes other types', () => {
    assert.equal(compileEventFilter({ container: ['web'] })(start), true);
    assert.equal(compileEventFilter({ container: ['abcdef'] })(start), true);
    assert.equal(compileEventFilter({ container: ['db'] })(start), false);
    assert.equal(compileEventFilter({ container: ['web'] })(tag), false);
  });

  it('matches images by name with or without tag, for container and image events', () => {
    assert.equal(compileEventFilter({ image: ['busybox'] })(start), true);
    assert.equal(compileEventFilter({ image: ['busybox:latest'] })(tag), true);
    assert.equal(compileEventFilter({ image: ['alpine'] })(start), false);
  });

  it('requires every label filter (key or key=value) to hold', () => {
    assert.equal(compileEventFilter({ label: ['tier'] })(start), true);
    assert.equal(compileEventFilter({ label: ['tier=front'] })(start), true);
    assert.equal(compileEventFilter({ label: ['tier=back'] })(start), false);
    assert.equal(compileEventFilter({ label: ['tier=front', 'zone'] })(start), false);
  });

  it('combines keys with AND', () => {
    assert.equal(compileEventFilter({ type: ['container'], event: ['start'], container: ['web'] })(start), true);
    assert.equal(compileEventFilter({ type: ['container'], event: ['die'], container: ['web'] })(start), false);
  });

  it('rejects unknown filter keys', () => {
    assert.throws(() => compileEventFilter({ colour: ['red'] }), /invalid filter 'colour'/);
  });
});
