import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { applyLayer } from '../../archive/apply-layer.js';
import { dirEntries, entriesTar, fileEntry } from './copy-plan.js';
import { writeLayerDir } from './layer-dir.js';

/** Every node under `root`: type, mode, owner, whole-second mtime, content or link target. */
async function describeTree(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(join(root, rel))).sort()) {
    const r = rel ? `${rel}/${name}` : name;
    const p = join(root, r);
    const st = await lstat(p);
    const kind = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? `link->${await readlink(p)}` : `file:${(await readFile(p)).toString('hex')}`;
    const mode = st.isSymbolicLink() ? '' : (st.mode & 0o7777).toString(8);
    out.push(`${r} ${kind} ${mode} ${st.uid}:${st.gid} ${Math.floor(st.mtimeMs / 1000)}`);
    if (st.isDirectory()) out.push(...(await describeTree(root, r)));
  }
  return out;
}

test('a layer written straight from COPY entries is the tree its tar unpacks to, with files linked', async () => {
  const base = await mkdtemp(join(tmpdir(), 'wharf-layer-dir-'));
  try {
    const src = join(base, 'src');
    await mkdir(join(src, 'sub', 'deeper'), { recursive: true });
    await writeFile(join(src, 'a.txt'), 'alpha\n', { mode: 0o640 });
    await writeFile(join(src, 'sub', 'b.sh'), '#!/bin/sh\n', { mode: 0o755 });
    await writeFile(join(src, 'sub', 'deeper', 'c'), Buffer.alloc(3000, 7));
    await symlink('../a.txt', join(src, 'sub', 'to-a'));
    // A sub-second time cannot be linked (the tar keeps whole seconds): it is copied instead.
    await utimes(join(src, 'sub', 'deeper', 'c'), 1_600_000_000.5, 1_600_000_000.5);
    for (const f of ['a.txt', 'sub/b.sh']) await utimes(join(src, f), 1_600_000_100, 1_600_000_100);
    await utimes(join(src, 'sub'), 1_600_000_200, 1_600_000_200);
    const entries = [
      { path: 'app', type: 'directory' as const, mode: 0o755, uid: 0, gid: 0, mtime: new Date(1_500_000_000_000), size: 0 },
      ...(await dirEntries(src, 'app', { uid: 0, gid: 0 })),
      { ...(await fileEntry(join(src, 'a.txt'), 'etc/chmodded', { uid: 0, gid: 0, mode: 0o600 })) },
    ];
    entries.splice(entries.length - 1, 0, { path: 'etc', type: 'directory', mode: 0o755, uid: 0, gid: 0, mtime: new Date(1_500_000_000_000), size: 0 });
    const direct = join(base, 'direct');
    const unpacked = join(base, 'unpacked');
    await mkdir(direct);
    await mkdir(unpacked);
    const size = writeLayerDir(direct, entries);
    const res = await applyLayer(unpacked, entriesTar(entries), { whiteouts: 'overlay' });
    assert.deepEqual(await describeTree(direct), await describeTree(unpacked));
    assert.equal(size, res.contentSize);
    // Same owner, mode and time as the source: one inode shared with the source file.
    assert.equal((await lstat(join(direct, 'app', 'a.txt'))).ino, (await lstat(join(src, 'a.txt'))).ino);
    // A different mode (--chmod) or a sub-second time: a file of its own.
    assert.notEqual((await lstat(join(direct, 'etc', 'chmodded'))).ino, (await lstat(join(src, 'a.txt'))).ino);
    assert.notEqual((await lstat(join(direct, 'app', 'sub', 'deeper', 'c'))).ino, (await lstat(join(src, 'sub', 'deeper', 'c'))).ino);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});

test('a later entry with the same name replaces the earlier one, a directory merges', async () => {
  const base = await mkdtemp(join(tmpdir(), 'wharf-layer-dir-'));
  try {
    const t = new Date(1_600_000_000_000);
    const entries = [
      { path: 'x', type: 'file' as const, mode: 0o644, uid: 0, gid: 0, mtime: t, size: 3, data: Buffer.from('one') },
      { path: 'd', type: 'directory' as const, mode: 0o755, uid: 0, gid: 0, mtime: t, size: 0 },
      { path: 'd/in', type: 'file' as const, mode: 0o644, uid: 0, gid: 0, mtime: t, size: 1, data: Buffer.from('i') },
      { path: 'x', type: 'symlink' as const, mode: 0o777, uid: 0, gid: 0, mtime: t, size: 0, linkname: 'd/in' },
      { path: 'd', type: 'directory' as const, mode: 0o700, uid: 0, gid: 0, mtime: t, size: 0 },
    ];
    const direct = join(base, 'direct');
    const unpacked = join(base, 'unpacked');
    await mkdir(direct);
    await mkdir(unpacked);
    writeLayerDir(direct, entries);
    await applyLayer(unpacked, entriesTar(entries), { whiteouts: 'overlay' });
    assert.deepEqual(await describeTree(direct), await describeTree(unpacked));
    assert.equal(await readlink(join(direct, 'x')), 'd/in');
    assert.equal(await readFile(join(direct, 'd', 'in'), 'utf8'), 'i');
    assert.throws(() => writeLayerDir(direct, [{ ...entries[0], path: 'd/../../escape' }]), /invalid layer path/);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});
