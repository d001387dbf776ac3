import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { DockerEvent } from '../../src/events/event-bus.js';
import { busyboxRootfsTar } from '../support/busybox-rootfs.js';
import { engineFixture } from '../support/engine-fixture.js';

test('image changes are events, and removing the last user of a layer frees it', async () => {
  const fx = await engineFixture();
  try {
    const seen: DockerEvent[] = [];
    const off = fx.engine.events.subscribe((ev) => {
      if (ev.Type === 'image') seen.push(ev);
    });
    // A second image with its own layer (different content from the fixture's busybox).
    const tar = await busyboxRootfsTar();
    const img = await fx.engine.images.importRootfs(Readable.from([tar, Buffer.alloc(1024)]), { reference: 'extra:1' });
    await fx.engine.images.tag('extra:1', 'extra:2');
    const { Id } = await fx.engine.containers.create({ Image: 'extra:1', Cmd: ['true'] }, {});
    const layers = join(fx.engine.dataRoot, 'overlay', 'layers');
    const before = (await readdir(layers)).filter((n) => !n.startsWith('.'));
    await fx.engine.containers.remove(Id, {});
    await fx.engine.images.remove('extra:2', {});
    await fx.engine.images.remove('extra:1', {});
    off();
    assert.deepEqual(seen.map((e) => e.Action), ['import', 'tag', 'untag', 'untag', 'delete']);
    assert.equal(seen.at(-1)?.Actor.ID, img.id);
    let after = before;
    for (let i = 0; i < 30 && after.length >= before.length; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = (await readdir(layers)).filter((n) => !n.startsWith('.'));
    }
    assert.equal(after.length, before.length - 1, 'the removed image layer was collected, busybox kept');
  } finally {
    await fx.cleanup();
  }
});
