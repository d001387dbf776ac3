import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openStorage } from '../../src/images/open-storage.js';
import { busyboxTar, streamOf, tempStorage } from './helpers.js';

test('reopening after a crash removes half-done writes and orphan blobs, keeps every image intact', async () => {
  const s = await tempStorage();
  try {
    const img = await s.images.importRootfs(streamOf(await busyboxTar()), { reference: 'busybox' });
    await s.snapshotter.ensureLayers(img);
    const blobsBefore = (await s.content.list()).map((b) => b.digest).sort();
    // What a kill -9 in the middle of writes leaves behind:
    await writeFile(join(s.root, 'content', 'ingest', 'half-written'), 'partial');
    await s.content.write(Buffer.from('orphan blob: written, but its image record never was'));
    // A layer recorded by a load that failed before its image was added.
    const { makeTar } = await import('../support/tar-builder.js');
    const stray = await s.images.ingestLayer(await makeTar([{ name: 'stray', body: 'layer' }]));
    await mkdir(join(s.root, 'tmp', 'load-deadbeef'), { recursive: true });
    await mkdir(join(s.root, 'overlay', 'layers', `.tmp-${'e'.repeat(64)}-0000`, 'diff'), { recursive: true });

    const again = await openStorage(s.root);
    assert.deepEqual(await readdir(join(s.root, 'content', 'ingest')), []);
    assert.deepEqual(await readdir(join(s.root, 'tmp')), []);
    assert.deepEqual(await readdir(join(s.root, 'overlay', 'layers')), [img.chainIds[0].slice(7)]);
    assert.deepEqual((await again.content.list()).map((b) => b.digest).sort(), blobsBefore);
    assert.equal(again.images.layers.items.has(stray.layer.diffId), false);
    const back = await again.images.get('busybox');
    assert.equal(back.id, img.id);
    await again.snapshotter.createContainerLayer('after-crash', back);
    assert.deepEqual((await again.snapshotter.lowerDirs('after-crash')).slice(1), [again.snapshotter.layerDir(img.chainIds[0])]);
  } finally {
    await s.cleanup();
  }
});
