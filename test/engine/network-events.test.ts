import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DockerEvent } from '../../src/events/event-bus.js';
import { engineFixture } from '../support/engine-fixture.js';

test('network create, connect, disconnect and destroy are events', async () => {
  const fx = await engineFixture();
  try {
    const seen: DockerEvent[] = [];
    const off = fx.engine.events.subscribe((ev) => {
      if (ev.Type === 'network') seen.push(ev);
    });
    const { Id } = await fx.engine.networks.create({ Name: 'evnet' });
    const c = await fx.engine.containers.create({ Image: 'busybox', Cmd: ['true'] }, {});
    await fx.engine.networks.connect('evnet', c.Id, {});
    await fx.engine.networks.disconnect('evnet', c.Id, {});
    await fx.engine.containers.remove(c.Id, {});
    await fx.engine.networks.remove('evnet');
    off();
    assert.deepEqual(seen.map((e) => [e.Action, e.Actor.ID, e.Actor.Attributes.name]), [
      ['create', Id, 'evnet'], ['connect', Id, 'evnet'], ['disconnect', Id, 'evnet'], ['destroy', Id, 'evnet'],
    ]);
  } finally {
    await fx.cleanup();
  }
});
