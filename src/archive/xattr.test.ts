import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getXattrs, listXattrsRecursive, setXattr, setXattrs } from './xattr.js';

test('sets and lists xattrs byte for byte, recursively, without following symlinks', async () => {
  const d = await mkdtemp(join(tmpdir(), 'wharf-xattr-'));
  try {
    await mkdir(join(d, 'sub dir'));
    await writeFile(join(d, 'sub dir', 'f\nname'), 'x');
    await writeFile(join(d, 'plain'), 'y');
    await symlink('plain', join(d, 'link'));
    const bin = Buffer.from([0, 1, 2, 0xff, 0x80, 0]);
    await setXattr(join(d, 'sub dir', 'f\nname'), 'user.bin', bin);
    await setXattr(join(d, 'sub dir'), 'trusted.overlay.opaque', Buffer.from('y'));
    const failed = await setXattrs([
      { path: join(d, 'link'), name: 'user.onlink', value: Buffer.from('z') },
      { path: join(d, 'missing'), name: 'user.x', value: Buffer.from('z') },
    ]);
    assert.deepEqual(failed.map((f) => f.path), [join(d, 'link'), join(d, 'missing')], 'user xattrs cannot go on symlinks; missing files fail');
    const all = await listXattrsRecursive(d);
    assert.deepEqual(all.get(join(d, 'sub dir', 'f\nname'))?.get('user.bin'), bin);
    assert.equal(all.get(join(d, 'sub dir'))?.get('trusted.overlay.opaque')?.toString(), 'y');
    assert.equal(all.has(join(d, 'plain')), false);
    assert.equal((await getXattrs(join(d, 'plain'))).size, 0);
  } finally {
    await rm(d, { recursive: true, force: true });
  }
});
