import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { PassThrough } from 'node:stream';
import { openStorage } from '../../src/images/open-storage.js';
import { streamToBuffer } from '../../src/content/local-content-store.js';
import { busyboxTar, streamOf, tempStorage } from './helpers.js';
import { makeTar } from '../support/tar-builder.js';

const hex12 = (id: string): string => id.slice(7, 19);

test('import (gzip, with --change), get by every kind of reference, list, tag, persistence', async () => {
  const s = await tempStorage();
  try {
    const img = await s.images.importRootfs(streamOf(gzipSync(await busyboxTar())), {
      reference: 'busybox:1.0',
      changes: ['CMD ["sh"]', 'ENV A=b', 'LABEL tier=base'],
    });
    assert.equal(img.layers[0].mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
    assert.notEqual(img.layers[0].digest, img.config.rootfs.diff_ids[0], 'compressed digest and diffID both kept');
    assert.equal(img.config.history?.[0].comment, 'Imported from -');
    assert.ok(img.size > 1_000_000);
    for (const ref of ['busybox:1.0', 'docker.io/library/busybox:1.0', img.id, img.id.slice(7), hex12(img.id), `sha256:${hex12(img.id)}`]) {
      assert.equal((await s.images.get(ref)).id, img.id, ref);
    }
    await assert.rejects(s.images.get('busybox'), { kind: 'not-found', message: 'No such image: busybox' });
    await assert.rejects(s.images.get('Busybox'), { kind: 'invalid-parameter', message: 'invalid reference format: repository name (library/Busybox) must be lowercase' });

    await s.images.tag('busybox:1.0', 'localhost:5000/tools/bb');
    await s.images.tag(hex12(img.id), 'busybox');
    await assert.rejects(s.images.tag('busybox', 'bad@sha256:' + 'a'.repeat(64)), /digest/);
    await assert.rejects(s.images.tag('nope', 'x'), { message: 'No such image: nope' });
    const listed = await s.images.list();
    assert.equal(listed.length, 1);
    assert.deepEqual(listed[0].repoTags.sort(), ['docker.io/library/busybox:1.0', 'docker.io/library/busybox:latest', 'localhost:5000/tools/bb:latest']);

    const other = await s.images.importRootfs(streamOf(await makeTar([{ name: 'hello', body: 'hi' }])), { reference: 'tiny' });
    assert.deepEqual((await s.images.list({ filters: { reference: ['busy*'] } })).map((i) => i.id), [img.id]);
    assert.deepEqual((await s.images.list({ filters: { reference: ['localhost:5000/*/*'] } }))[0].repoTags, ['localhost:5000/tools/bb:latest']);
    assert.deepEqual(await s.images.list({ filters: { reference: ['nomatch'] } }), []);
    assert.deepEqual((await s.images.list({ filters: { label: ['tier=base'] } })).map((i) => i.id), [img.id]);
    assert.deepEqual((await s.images.list({ filters: { since: ['busybox'] } })).map((i) => i.id), [other.id]);
    assert.deepEqual((await s.images.list({ filters: { before: ['tiny'] } })).map((i) => i.id), [img.id]);
    assert.deepEqual(await s.images.list({ filters: { dangling: ['true'] } }), []);
    await assert.rejects(s.images.list({ filters: { colour: ['red'] } }), { kind: 'invalid-parameter' });

    // Re-tagging moves the name; the old image becomes dangling.
    await s.images.tag('tiny', 'busybox:1.0');
    assert.deepEqual((await s.images.list({ filters: { dangling: ['false'] } })).length, 2);

    // A digest reference (as a pull records) resolves name@digest and shows in RepoDigests.
    const mdigest = 'sha256:' + 'd'.repeat(64);
    await s.images.addRepoDigest('busybox', mdigest, img.id);
    assert.equal((await s.images.get(`busybox@${mdigest}`)).id, img.id);
    assert.deepEqual((await s.images.get(img.id)).repoDigests, [`docker.io/library/busybox@${mdigest}`]);
    await assert.rejects(s.images.get(`busybox@sha256:${'e'.repeat(64)}`), { kind: 'not-found' });

    // A fresh store on the same root sees the same state.
    const again = await openStorage(s.root);
    assert.equal((await again.images.get('busybox:1.0')).id, other.id);
    assert.equal((await again.images.get('busybox')).id, img.id);
    assert.deepEqual((await again.images.get('busybox')).config.config?.Env, ['A=b']);
  } finally {
    await s.cleanup();
  }
});

test('import refuses a non-tar and stores nothing', async () => {
  const s = await tempStorage();
  try {
    await assert.rejects(s.images.importRootfs(streamOf(Buffer.from('not a tar'.repeat(100))), { reference: 'bad' }), { kind: 'invalid-parameter' });
    await assert.rejects(s.images.importRootfs(streamOf(await busyboxTar()), { reference: 'BAD' }), /must be lowercase/);
    await assert.rejects(s.images.importRootfs(streamOf(await busyboxTar()), { changes: ['RUN x'] }), /not a valid change command/);
    assert.deepEqual(await s.images.list(), []);
    assert.deepEqual(await s.content.list(), []);
  } finally {
    await s.cleanup();
  }
});

test('rmi: untag, delete, container-use conflicts with Docker messages, -f', async () => {
  const s = await tempStorage();
  try {
    const img = await s.images.importRootfs(streamOf(await busyboxTar()), { reference: 'busybox' });
    const id12 = hex12(img.id);
    const ctr = 'c'.repeat(64);
    let user: { id: string; running: boolean } | undefined = { id: ctr, running: false };
    s.images.setUsageCheck((id) => (id === img.id ? user : undefined));

    await assert.rejects(s.images.remove('busybox', {}), {
      kind: 'conflict',
      message: `conflict: unable to remove repository reference "busybox" (must force) - container ${'c'.repeat(12)} is using its referenced image ${id12}`,
    });
    await assert.rejects(s.images.remove(id12, {}), {
      kind: 'conflict',
      message: `conflict: unable to delete ${id12} (must be forced) - image is being used by stopped container ${'c'.repeat(12)}`,
    });
    user = { id: ctr, running: true };
    await assert.rejects(s.images.remove(id12, { force: true }), {
      message: `conflict: unable to delete ${id12} (cannot be forced) - image is being used by running container ${'c'.repeat(12)}`,
    });
    // -f on the name untags even while a running container uses it; the image stays.
    assert.deepEqual(await s.images.remove('busybox', { force: true }), [{ Untagged: 'busybox:latest' }]);
    assert.equal((await s.images.get(id12)).repoTags.length, 0);

    // Two names: removing one only untags; by ID needs -f.
    await s.images.tag(id12, 'a:1');
    await s.images.tag(id12, 'b:2');
    user = undefined;
    await assert.rejects(s.images.remove(id12, {}), {
      message: `conflict: unable to delete ${id12} (must be forced) - image is referenced in multiple repositories`,
    });
    assert.deepEqual(await s.images.remove('a:1', {}), [{ Untagged: 'a:1' }]);
    const res = await s.images.remove('b:2', {});
    assert.deepEqual(res, [{ Untagged: 'b:2' }, { Deleted: img.id }, { Deleted: img.chainIds[0] }]);
    await assert.rejects(s.images.get(id12), { kind: 'not-found' });
    assert.deepEqual(await s.content.list(), [], 'config, manifest and layer blobs are gone');
    await assert.rejects(s.images.remove('busybox', {}), { message: 'No such image: busybox' });
  } finally {
    await s.cleanup();
  }
});

test('commit children, history, dangling prune', async () => {
  const s = await tempStorage();
  try {
    const base = await s.images.importRootfs(streamOf(await busyboxTar()), { reference: 'busybox', message: 'base image' });
    const child = await s.images.commit(base, streamOf(await makeTar([{ name: 'etc/motd', body: 'hi\n' }])), {
      reference: 'child:v1',
      author: 'me',
      comment: 'added motd',
      config: { Cmd: ['cat', '/etc/motd'] },
    });
    assert.equal(child.parent, base.id);
    assert.equal(child.config.rootfs.diff_ids.length, 2);
    assert.equal(child.chainIds[0], base.chainIds[0]);
    const h = await s.images.history('child:v1');
    assert.equal(h.length, 2);
    assert.equal(h[0].Id, child.id);
    assert.deepEqual(h[0].Tags, ['child:v1']);
    assert.equal(h[0].CreatedBy, 'cat /etc/motd');
    assert.equal(h[0].Comment, 'added motd');
    assert.equal(h[1].Id, base.id);
    assert.equal(h[1].Comment, 'base image');
    assert.equal(h[0].Size, 3);

    // The base has a child: deleting it by ID is a hard conflict.
    await s.images.remove('busybox', {});
    assert.ok(await s.images.get(base.id));
    assert.equal((await s.images.list()).length, 1, 'untagged parent of a tagged image is an intermediate, hidden without -a');
    assert.equal((await s.images.list({ all: true })).length, 2);
    await assert.rejects(s.images.remove(base.id, { force: true }), /cannot be forced\) - image has dependent child images/);

    const dangling = await s.images.importRootfs(streamOf(await makeTar([{ name: 'x', body: 'y' }])), {});
    const pruned = await s.images.prune({});
    assert.deepEqual(pruned.deleted.filter((d) => d.Deleted === dangling.id).length, 1);
    assert.ok(pruned.spaceReclaimed > 0);
    assert.ok(await s.images.get(base.id), 'intermediate stays');
    // Removing the child also removes its now-untagged parent.
    const res = await s.images.remove('child:v1', {});
    assert.ok(res.some((r) => r.Deleted === base.id));
    assert.deepEqual(await s.images.list({ all: true }), []);
  } finally {
    await s.cleanup();
  }
});

test('save then load into another root keeps IDs, tags, layers', async () => {
  const a = await tempStorage();
  const b = await tempStorage();
  try {
    const base = await a.images.importRootfs(streamOf(gzipSync(await busyboxTar())), { reference: 'busybox' });
    const child = await a.images.commit(base, streamOf(await makeTar([{ name: 'f', body: 'data' }])), { reference: 'app:1' });
    await a.images.tag('app:1', 'localhost:5000/app:2');
    const out = new PassThrough();
    const [, bytes] = await Promise.all([a.images.save(['app:1', 'busybox', 'localhost:5000/app:2'], out), streamToBuffer(out)]);
    await assert.rejects(a.images.save(['missing'], new PassThrough()), { message: 'No such image: missing' });

    const loaded = await b.images.load(streamOf(bytes));
    assert.deepEqual(loaded.tags.sort(), ['app:1', 'busybox:latest', 'localhost:5000/app:2']);
    assert.equal((await b.images.get('app:1')).id, child.id);
    assert.equal((await b.images.get('busybox')).id, base.id);
    assert.deepEqual((await b.images.get('app:1')).config.rootfs.diff_ids, child.config.rootfs.diff_ids);
    // Layers are usable: unpack and check the file through the snapshotter.
    await b.snapshotter.ensureLayers(await b.images.get('app:1'));

    // A gzip-compressed archive loads too (docker load accepts compressed input).
    const reloaded = await b.images.load(streamOf(gzipSync(bytes)));
    assert.deepEqual(reloaded.tags.sort(), loaded.tags.sort());

    await assert.rejects(b.images.load(streamOf(await makeTar([{ name: 'hello', body: 'x' }]))), { kind: 'invalid-parameter' });
    const evil = await makeTar([
      { name: 'manifest.json', body: JSON.stringify([{ Config: '../../etc/passwd', RepoTags: ['x'], Layers: [] }]) },
    ]);
    await assert.rejects(b.images.load(streamOf(evil)), { kind: 'invalid-parameter' });
  } finally {
    await a.cleanup();
    await b.cleanup();
  }
});

test('rmi racing an import of the same layer never leaves the new image without its blob', async () => {
  const s = await tempStorage();
  try {
    const tar = await busyboxTar();
    for (let i = 0; i < 5; i++) {
      await s.images.importRootfs(streamOf(tar), { reference: 'old', changes: [`ENV I=${i}`] });
      const [, fresh] = await Promise.all([
        s.images.remove('old', {}),
        s.images.importRootfs(streamOf(tar), { reference: `new:${i}`, changes: [`ENV J=${i}`] }),
      ]);
      for (const l of fresh.layers) assert.ok(await s.content.has(l.digest), `layer blob present after round ${i}`);
      await s.snapshotter.ensureLayers(fresh);
    }
    // And with no writer left, unreferenced blobs do go.
    for (let i = 0; i < 5; i++) await s.images.remove(`new:${i}`, {});
    assert.deepEqual(await s.content.list(), []);
  } finally {
    await s.cleanup();
  }
});
