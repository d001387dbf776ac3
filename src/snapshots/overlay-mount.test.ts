import { test } from 'node:test';
import assert from 'node:assert/strict';
import { overlayOptions } from './overlay-mount.js';

const dirs = (n: number) => ({
  lowers: Array.from({ length: n }, (_, i) => `/var/lib/wharf/overlay/layers/${String(i).padStart(64, 'a')}/diff`),
  shortLowers: Array.from({ length: n }, (_, i) => `l/${String(i).padStart(20, 'b')}`),
  cwd: '/var/lib/wharf/overlay',
  upper: '/var/lib/wharf/overlay/containers/x/upper',
  work: '/var/lib/wharf/overlay/containers/x/work',
});

test('absolute lowerdirs while they fit one page, short relative ones beyond', () => {
  const few = overlayOptions(dirs(3));
  assert.equal(few.cwd, undefined);
  assert.match(few.options, /^lowerdir=\/var\/lib\/wharf\/overlay\/layers\/.*:.*,upperdir=.*,workdir=.*,index=off,redirect_dir=off,metacopy=off$/);
  const many = overlayOptions(dirs(60));
  assert.equal(many.cwd, '/var/lib/wharf/overlay');
  assert.ok(many.options.startsWith('lowerdir=l/'));
  assert.ok(many.options.length < 4096);
  assert.throws(() => overlayOptions(dirs(400)), /too many layers/);
});
