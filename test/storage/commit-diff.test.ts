import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFile, lstat, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { extract } from 'tar-stream';
import type { Readable } from 'node:stream';
import { exportRootfs } from '../../src/archive/overlay-export.js';
import { getXattrs } from '../../src/archive/xattr.js';
import { busyboxTar, streamOf, tempStorage } from './helpers.js';

async function tarNames(r: Readable): Promise<string[]> {
  const ex = extract();
  const names: string[] = [];
  const done = (async () => {
    for await (const e of ex) {
      names.push(e.header.name);
      e.resume();
    }
  })();
  for await (const c of r) ex.write(c);
  ex.end(undefined as never);
  await done;
  return names;
}

test('container changes: docker diff, OCI layer export with whiteouts, commit, and the result through a real overlay mount', async () => {
  const s = await tempStorage();
  try {
    const base = await s.images.importRootfs(streamOf(await busyboxTar()), { reference: 'busybox' });
    await s.snapshotter.createContainerLayer('c1', base);
    const m1 = join(s.root, 'mnt', 'c1');
    s.mounts.push(m1);
    await s.snapshotter.mount('c1', m1);
    // Change the filesystem through overlayfs, as a container's processes would.
    await writeFile(join(m1, 'etc/newfile'), 'new\n');
    await appendFile(join(m1, 'etc/passwd'), 'extra:x:5:5::/:/bin/sh\n');
    await rm(join(m1, 'bin/vi'));
    await rm(join(m1, 'home'), { recursive: true });
    await mkdir(join(m1, 'home'));
    await writeFile(join(m1, 'home/x'), 'x');
    await mkdir(join(m1, 'newdir'));
    // A directory rename copies (redirect_dir=off): the commit below must carry its content.
    execFileSync('chroot', [m1, '/bin/sh', '-c', 'mkdir -p /moved && mv /usr /moved/usr']);
    const full = await tarNames(exportRootfs(m1));
    assert.ok(full.includes('bin/busybox') && full.includes('etc/newfile') && !full.includes('bin/vi'));
    await s.snapshotter.unmount('c1', m1);

    const changes = await s.snapshotter.diff('c1');
    const show = changes.map((c) => `${'CAD'[c.Kind]} ${c.Path}`);
    assert.deepEqual(show, ['C /bin', 'D /bin/vi', 'C /etc', 'A /etc/newfile', 'C /etc/passwd', 'C /home', 'A /home/x', 'D /home/wharf', 'A /moved', 'A /moved/usr', 'A /moved/usr/bin', 'A /newdir', 'D /usr']);
    assert.ok((await s.snapshotter.containerLayerSize('c1')) >= 'new\n'.length + 'x'.length);

    const names = await tarNames(s.snapshotter.exportChanges('c1'));
    assert.deepEqual(names, ['bin/', 'bin/.wh.vi', 'etc/', 'etc/newfile', 'etc/passwd', 'home/', 'home/.wh..wh..opq', 'home/x', 'moved/', 'moved/usr/', 'moved/usr/bin/', 'newdir/', '.wh.usr']);

    const child = await s.images.commit(base, s.snapshotter.exportChanges('c1'), { reference: 'changed' });
    assert.equal(child.layers.length, 2);
    // The committed layer, unpacked as a lower dir, carries overlay whiteout markers.
    await s.snapshotter.createContainerLayer('c2', child);
    const top = s.snapshotter.layerDir(child.chainIds[1]);
    const wh = await lstat(join(top, 'bin/vi'));
    assert.ok(wh.isCharacterDevice() && wh.rdev === 0);
    assert.equal((await getXattrs(join(top, 'home'))).get('trusted.overlay.opaque')?.toString(), 'y');

    const m2 = join(s.root, 'mnt', 'c2');
    s.mounts.push(m2);
    await s.snapshotter.mount('c2', m2);
    await assert.rejects(lstat(join(m2, 'bin/vi')));
    assert.ok((await lstat(join(m2, 'bin/ls'))).isSymbolicLink());
    assert.equal(await readFile(join(m2, 'etc/newfile'), 'utf8'), 'new\n');
    assert.match(await readFile(join(m2, 'etc/passwd'), 'utf8'), /extra:x:5:5/);
    assert.deepEqual(await readdir(join(m2, 'home')), ['x'], 'opaque dir hides the base layer home/wharf');
    assert.ok((await lstat(join(m2, 'moved/usr/bin'))).isDirectory());
    await assert.rejects(lstat(join(m2, 'usr')));
    assert.deepEqual(await s.snapshotter.diff('c2'), [], 'a fresh container has no changes');
    await s.snapshotter.unmount('c2', m2);

    // gc keeps layers used by containers, drops the rest.
    await s.images.remove('changed', {});
    await s.snapshotter.gc(await s.images.liveChainIds());
    assert.ok((await lstat(top)).isDirectory(), 'still used by c2');
    await s.snapshotter.removeContainerLayer('c2');
    await s.snapshotter.removeContainerLayer('c1');
    await s.snapshotter.gc(await s.images.liveChainIds());
    assert.deepEqual(await readdir(join(s.root, 'overlay', 'layers')), [base.chainIds[0].slice(7)]);
  } finally {
    await s.cleanup();
  }
});

test('many layers mount through short relative lowerdir paths (page-size limit)', async () => {
  const s = await tempStorage();
  try {
    let img = await s.images.importRootfs(streamOf(await busyboxTar()), {});
    const { makeTar } = await import('../support/tar-builder.js');
    for (let i = 0; i < 60; i++) {
      img = await s.images.commit(img, streamOf(await makeTar([{ name: `layer${i}`, body: String(i) }])), {});
    }
    assert.equal(img.layers.length, 61);
    await s.snapshotter.createContainerLayer('deep', img);
    const lowers = await s.snapshotter.lowerDirs('deep');
    assert.ok(lowers.join(':').length > 4096, 'absolute lowerdir would not fit one page');
    const m = join(s.root, 'mnt', 'deep');
    s.mounts.push(m);
    await s.snapshotter.mount('deep', m);
    assert.equal(await readFile(join(m, 'layer0'), 'utf8'), '0');
    assert.equal(await readFile(join(m, 'layer59'), 'utf8'), '59');
    await s.snapshotter.unmount('deep', m);
  } finally {
    await s.cleanup();
  }
});

test('diff sees through the image as overlayfs does: opaque dirs in lower layers hide deeper ones', async () => {
  const s = await tempStorage();
  try {
    const { makeTar } = await import('../support/tar-builder.js');
    const l1 = await s.images.importRootfs(streamOf(await makeTar([
      { name: 'data/', type: 'directory' },
      { name: 'data/old', body: 'old' },
      { name: 'gone', body: 'x' },
    ])), {});
    const l2 = await s.images.commit(l1, streamOf(await makeTar([
      { name: 'data/', type: 'directory' },
      { name: 'data/.wh..wh..opq', body: '' },
      { name: 'data/kept', body: 'k' },
      { name: '.wh.gone', body: '' },
    ])), {});
    await s.snapshotter.createContainerLayer('c', l2);
    const m = join(s.root, 'mnt', 'c');
    s.mounts.push(m);
    await s.snapshotter.mount('c', m);
    assert.deepEqual((await readdir(join(m, 'data'))).sort(), ['kept']);
    await writeFile(join(m, 'data/old'), 'new');
    await writeFile(join(m, 'gone'), 'back');
    await s.snapshotter.unmount('c', m);
    const show = (await s.snapshotter.diff('c')).map((c) => `${'CAD'[c.Kind]} ${c.Path}`);
    assert.deepEqual(show, ['C /data', 'A /data/old', 'A /gone']);
  } finally {
    await s.cleanup();
  }
});
