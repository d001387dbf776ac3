import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat, writeFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { isMountPoint } from '../../src/snapshots/overlay-mount.js';
import { busyboxTar, streamOf, tempStorage } from './helpers.js';

test('import busybox, unpack its layer once and mount a container rootfs on real overlayfs', async () => {
  const s = await tempStorage();
  try {
    const img = await s.images.importRootfs(streamOf(await busyboxTar()), { reference: 'busybox', changes: ['CMD ["sh"]'] });
    assert.match(img.id, /^sha256:[a-f0-9]{64}$/);
    assert.deepEqual(img.repoTags, ['docker.io/library/busybox:latest']);
    assert.deepEqual(img.config.config?.Cmd, ['sh']);
    assert.equal(img.chainIds.length, 1);
    assert.equal(img.chainIds[0], img.config.rootfs.diff_ids[0]);

    const byName = await s.images.get('busybox:latest');
    assert.equal(byName.id, img.id);
    assert.equal((await s.images.get(img.id.slice(7, 19))).id, img.id);

    // Two containers at once: the layer is unpacked once and shared.
    await Promise.all([s.snapshotter.createContainerLayer('c1', img), s.snapshotter.createContainerLayer('c2', img)]);
    const layers = await readdir(join(s.root, 'overlay', 'layers'));
    assert.deepEqual(layers, [img.chainIds[0].slice(7)]);

    const target = join(s.root, 'mnt', 'c1');
    s.mounts.push(target);
    await s.snapshotter.mount('c1', target);
    assert.ok(await isMountPoint(target));
    assert.ok((await stat(join(target, 'bin', 'busybox'))).isFile());
    const out = execFileSync('chroot', [target, '/bin/sh', '-c', 'echo hi > /tmp/x; cat /etc/passwd | head -1']).toString();
    assert.equal(out.trim(), 'root:x:0:0:root:/root:/bin/sh');
    // The init layer provides the runtime's mount points, keeping the image's /etc attributes.
    for (const p of ['etc/hostname', 'etc/hosts', 'etc/resolv.conf', '.dockerenv', 'dev/shm']) assert.ok(await stat(join(target, p)), p);
    const lowerEtc = await stat(join(s.snapshotter.layerDir(img.chainIds[0]), 'etc'));
    const mergedEtc = await stat(join(target, 'etc'));
    assert.equal(mergedEtc.mode, lowerEtc.mode);
    assert.equal(mergedEtc.mtimeMs, lowerEtc.mtimeMs);
    execFileSync('mount', ['--bind', '/etc/hostname', join(target, 'etc', 'hostname')]);
    execFileSync('umount', [join(target, 'etc', 'hostname')]);
    assert.deepEqual(
      await s.snapshotter.diff('c1'),
      [{ Kind: 0, Path: '/tmp' }, { Kind: 1, Path: '/tmp/x' }],
      'only the shell\'s write: mount points come from the init layer, not the container layer',
    );
    await writeFile(join(target, 'etc', 'motd'), 'hello\n');
    await s.snapshotter.unmount('c1', target);
    assert.equal(await isMountPoint(target), false);
    // Writes landed in c1's upper dir only.
    assert.equal(await readFile(join(s.snapshotter.upperDir('c1'), 'etc', 'motd'), 'utf8'), 'hello\n');
    await assert.rejects(stat(join(s.snapshotter.layerDir(img.chainIds[0]), 'etc', 'motd')));
    // Racing mounts of one container mount it once.
    const t2 = join(s.root, 'mnt', 'c2');
    s.mounts.push(t2);
    await Promise.all([s.snapshotter.mount('c2', t2), s.snapshotter.mount('c2', t2), s.snapshotter.mount('c2', t2)]);
    const count = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').filter((l) => l.split(' ')[4] === t2).length;
    assert.equal(count, 1);
    await s.snapshotter.unmount('c2', t2);
    assert.equal(await isMountPoint(t2), false);
    await s.snapshotter.removeContainerLayer('c1');
    await s.snapshotter.removeContainerLayer('c2');
    await assert.rejects(s.snapshotter.mount('c1', target), { kind: 'not-found' });
    await assert.rejects(s.snapshotter.createContainerLayer('../evil', img), { kind: 'invalid-parameter' });
  } finally {
    await s.cleanup();
  }
});
