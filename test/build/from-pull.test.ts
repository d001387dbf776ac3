import { test } from 'node:test';
import assert from 'node:assert/strict';
import { busyboxImage, pushImage, startTestRegistry } from '../registry/helpers.js';
import { engineFixture } from '../support/engine-fixture.js';
import { build } from './helpers.js';

test('a FROM image missing locally is pulled from its registry', async () => {
  const reg = await startTestRegistry();
  const fx = await engineFixture();
  try {
    const host = new URL(reg.url).host;
    await pushImage(reg.url, 'base/bb', '1', await busyboxImage());
    const run = await build(fx.engine, { Dockerfile: `FROM ${host}/base/bb:1\nRUN echo built > /built\n` }, { tags: ['pulled-base:1'] });
    assert.ok(run.id, run.error ?? run.output);
    const base = await fx.engine.images.get(`${host}/base/bb:1`);
    assert.ok(base.repoDigests.some((d) => d.startsWith(`${host}/base/bb@sha256:`)), JSON.stringify(base.repoDigests));
    const img = await fx.engine.images.get('pulled-base:1');
    assert.equal(img.config.rootfs.diff_ids.length, base.config.rootfs.diff_ids.length + 1);
    const missing = await build(fx.engine, { Dockerfile: `FROM ${host}/base/nosuch:1\n` });
    assert.equal(missing.id, undefined);
    assert.match(missing.error ?? '', /not found|manifest unknown/);
  } finally {
    await fx.cleanup();
    await reg.dispose();
  }
});
