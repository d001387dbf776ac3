import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { makeTar, type TarEntrySpec } from '../../test/support/tar-builder.js';
import { applyLayer, type ApplyOptions } from './apply-layer.js';
import { getXattrs } from './xattr.js';

/**
 * A sandbox: <base>/target receives the layer, <base>/outside holds a canary that a hostile
 * tar would like to overwrite. After every case, outside and base must be exactly as before.
 */
async function sandbox(fn: (s: { base: string; target: string; outside: string }) => Promise<void>): Promise<void> {
  const base = await mkdtemp(join(tmpdir(), 'wharf-apply-'));
  const target = join(base, 'target');
  const outside = join(base, 'outside');
  await mkdir(target);
  await mkdir(outside);
  await writeFile(join(outside, 'canary'), 'original');
  try {
    await fn({ base, target, outside });
    assert.deepEqual(await readdir(outside), ['canary'], 'nothing may appear outside the target');
    assert.equal(await readFile(join(outside, 'canary'), 'utf8'), 'original');
    assert.deepEqual((await readdir(base)).sort(), ['outside', 'target']);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

const apply = async (dir: string, entries: TarEntrySpec[], opts: ApplyOptions = { whiteouts: 'overlay' }) =>
  applyLayer(dir, Readable.from([await makeTar(entries)]), opts);

test('hostile: ".." entries are refused', () =>
  sandbox(async ({ target }) => {
    await assert.rejects(apply(target, [{ name: '../outside/canary', body: 'pwned' }]), /outside of the target/);
    await assert.rejects(apply(target, [{ name: 'a/../../outside/new', body: 'pwned' }]), /outside of the target/);
  }));

test('hostile: absolute names land inside the target', () =>
  sandbox(async ({ target, outside }) => {
    await apply(target, [{ name: `${outside}/canary`, body: 'pwned' }]);
    assert.equal(await readFile(join(target, outside, 'canary'), 'utf8'), 'pwned');
  }));

test('hostile: a symlinked parent pointing outside is resolved inside the target', () =>
  sandbox(async ({ target, outside }) => {
    await apply(target, [
      { name: 'abs', type: 'symlink', linkname: outside },
      { name: 'abs/canary', body: 'pwned' },
      { name: 'rel', type: 'symlink', linkname: '../../../../../../..' + outside },
      { name: 'rel/new', body: 'pwned' },
      { name: 'up', type: 'symlink', linkname: '../..' },
      { name: 'up/top', body: 'inside' },
    ]);
    assert.equal(await readFile(join(target, outside, 'canary'), 'utf8'), 'pwned');
    assert.equal(await readFile(join(target, outside, 'new'), 'utf8'), 'pwned');
    assert.equal(await readFile(join(target, 'top'), 'utf8'), 'inside');
    assert.equal(await readlink(join(target, 'abs')), outside, 'the symlink itself is kept as written');
  }));

test('hostile: a directory swapped for a symlink mid-archive is followed only inside the target', () =>
  sandbox(async ({ target, outside }) => {
    await apply(target, [
      { name: 'a/', type: 'directory' },
      { name: 'a/x', body: 'first' },
      { name: 'a', type: 'symlink', linkname: outside },
      { name: 'a/canary', body: 'pwned' },
      { name: 'b/', type: 'directory' },
      { name: 'a', type: 'symlink', linkname: 'b' },
      { name: 'a/y', body: 'in b' },
    ]);
    assert.equal(await readFile(join(target, outside, 'canary'), 'utf8'), 'pwned');
    assert.equal(await readFile(join(target, 'b', 'y'), 'utf8'), 'in b');
    assert.equal(await readlink(join(target, 'a')), 'b');
  }));

test('hostile: a file entry replaces a planted symlink instead of writing through it', () =>
  sandbox(async ({ target, outside }) => {
    await apply(target, [
      { name: 'victim', type: 'symlink', linkname: join(outside, 'canary') },
      { name: 'victim', body: 'pwned' },
    ]);
    assert.ok((await lstat(join(target, 'victim'))).isFile());
    assert.equal(await readFile(join(target, 'victim'), 'utf8'), 'pwned');
  }));

test('hostile: hard links may not point outside the target', () =>
  sandbox(async ({ target, outside }) => {
    await assert.rejects(apply(target, [{ name: 'hl', type: 'link', linkname: '../outside/canary' }]), /outside of the target/);
    // Absolute and via-symlink targets are looked up inside the target, where they do not exist.
    await assert.rejects(apply(target, [{ name: 'hl', type: 'link', linkname: join(outside, 'canary') }]), /target not found/);
    await assert.rejects(
      apply(target, [
        { name: 'd', type: 'symlink', linkname: outside },
        { name: 'hl', type: 'link', linkname: 'd/canary' },
      ]),
      /target not found/,
    );
    const st = await stat(join(outside, 'canary'));
    assert.equal(st.nlink, 1, 'no new link to the canary exists');
  }));

test('hostile: a whiteout cannot delete outside the target', () =>
  sandbox(async ({ target, outside }) => {
    await assert.rejects(apply(target, [{ name: '../outside/.wh.canary', body: '' }], { whiteouts: 'direct' }), /outside of the target/);
    await apply(target, [{ name: 'x', type: 'symlink', linkname: outside }, { name: 'x/.wh.canary', body: '' }], { whiteouts: 'direct' });
    for (const whiteouts of ['direct', 'overlay'] as const) {
      await assert.rejects(apply(target, [{ name: '.wh...', body: '' }], { whiteouts }), /invalid whiteout/);
      await assert.rejects(apply(target, [{ name: 'sub/.wh..', body: '' }], { whiteouts }), /invalid whiteout/);
    }
    assert.ok((await stat(target)).isDirectory());
  }));

test('hostile: a truncated or non-tar stream is refused', () =>
  sandbox(async ({ target }) => {
    const good = await makeTar([{ name: 'f', body: 'x'.repeat(5000) }]);
    await assert.rejects(applyLayer(target, Readable.from([good.subarray(0, 1500)]), { whiteouts: 'overlay' }), /invalid tar|end/i);
    await assert.rejects(applyLayer(target, Readable.from([Buffer.from('this is not a tar archive at all'.repeat(40))]), { whiteouts: 'overlay' }), /invalid tar/i);
  }));

test('keeps ownership, special bits, mtimes, xattrs, devices, fifos and hard links; computes the diffID', () =>
  sandbox(async ({ target }) => {
    const mtime = new Date('2020-01-02T03:04:05Z');
    const tar = await makeTar([
      { name: 'bin/', type: 'directory', mode: 0o755, mtime },
      { name: 'bin/suid', body: '#!/bin/sh\n', mode: 0o4755, uid: 1234, gid: 5678, mtime },
      { name: 'bin/sgid', body: 'x', mode: 0o2711, mtime },
      { name: 'tmp/', type: 'directory', mode: 0o1777, mtime },
      { name: 'dev/', type: 'directory', mtime },
      { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
      { name: 'dev/loopx', type: 'block-device', devmajor: 7, devminor: 99, mode: 0o660 },
      { name: 'fifo', type: 'fifo', mode: 0o640 },
      { name: 'bin/hard', type: 'link', linkname: 'bin/suid' },
      { name: 'attr', body: 'a', pax: { 'SCHILY.xattr.user.wharf': 'yes', 'SCHILY.xattr.trusted.overlay.redirect': '/etc' } },
      { name: 'lnk', type: 'symlink', linkname: '/bin/suid', uid: 42, gid: 43 },
    ]);
    const res = await applyLayer(target, Readable.from([gzipSync(tar)]), { whiteouts: 'overlay' });
    assert.equal(res.diffId, `sha256:${createHash('sha256').update(tar).digest('hex')}`);
    assert.equal(res.compression, 'gzip');
    assert.equal(res.tarSize, tar.length);
    const suid = await stat(join(target, 'bin/suid'));
    assert.equal(suid.mode & 0o7777, 0o4755);
    assert.equal(suid.uid, 1234);
    assert.equal(suid.gid, 5678);
    assert.equal(suid.mtime.getTime(), mtime.getTime());
    assert.equal(suid.nlink, 2);
    assert.equal((await stat(join(target, 'bin/sgid'))).mode & 0o7777, 0o2711);
    assert.equal((await stat(join(target, 'tmp'))).mode & 0o7777, 0o1777);
    assert.equal((await stat(join(target, 'bin'))).mtime.getTime(), mtime.getTime());
    const dn = await lstat(join(target, 'dev/null'));
    assert.ok(dn.isCharacterDevice());
    assert.equal(dn.rdev, (1 << 8) | 3);
    assert.ok((await lstat(join(target, 'dev/loopx'))).isBlockDevice());
    assert.ok((await lstat(join(target, 'fifo'))).isFIFO());
    const lnk = await lstat(join(target, 'lnk'));
    assert.equal(lnk.uid, 42);
    const attrs = await getXattrs(join(target, 'attr'));
    assert.equal(attrs.get('user.wharf')?.toString(), 'yes');
    assert.deepEqual([...attrs.keys()], ['user.wharf'], 'a layer may not forge overlay metadata');
  }));

test('overlay whiteouts become 0:0 devices and opaque dirs get trusted.overlay.opaque; direct mode deletes', async () => {
  const entries: TarEntrySpec[] = [
    { name: 'a/', type: 'directory' },
    { name: 'a/.wh.gone', body: '' },
    { name: 'b/', type: 'directory' },
    { name: 'b/.wh..wh..opq', body: '' },
    { name: 'b/kept', body: 'new' },
  ];
  await sandbox(async ({ target }) => {
    await apply(target, entries);
    const wh = await lstat(join(target, 'a/gone'));
    assert.ok(wh.isCharacterDevice());
    assert.equal(wh.rdev, 0);
    assert.equal((await getXattrs(join(target, 'b'))).get('trusted.overlay.opaque')?.toString(), 'y');
    await assert.rejects(lstat(join(target, 'b/.wh..wh..opq')));
  });
  await sandbox(async ({ target }) => {
    await mkdir(join(target, 'a'));
    await writeFile(join(target, 'a/gone'), 'old');
    await writeFile(join(target, 'a/stays'), 'old');
    await mkdir(join(target, 'b/sub'), { recursive: true });
    await writeFile(join(target, 'b/old'), 'old');
    await apply(target, entries, { whiteouts: 'direct' });
    assert.deepEqual(await readdir(join(target, 'a')), ['stays']);
    assert.deepEqual(await readdir(join(target, 'b')), ['kept']);
  });
  await sandbox(async ({ target }) => {
    await apply(target, entries, { whiteouts: 'none' });
    assert.deepEqual((await readdir(join(target, 'b'))).sort(), ['.wh..wh..opq', 'kept']);
    assert.ok((await lstat(join(target, 'a/.wh.gone'))).isFile());
  });
});
