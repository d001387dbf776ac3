import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { garbageCollect } from '../../src/distribution/registry/gc.js';
import { OCI_INDEX, OCI_MANIFEST, asBody, pushBlob, pushImage, sha256, startTestRegistry, tinyImage } from './helpers.js';

/** Makes every stored blob look an hour old, as if pushed long before gc runs. */
async function ageAllBlobs(root: string): Promise<void> {
  const old = new Date(Date.now() - 3600_000);
  const blobs = join(root, 'blobs', 'sha256');
  for (const shard of await readdir(blobs)) {
    for (const hex of await readdir(join(blobs, shard))) await utimes(join(blobs, shard, hex), old, old);
  }
}

/** Makes every link and tag of every repository look an hour old too. */
async function ageRepositories(dir: string): Promise<void> {
  const old = new Date(Date.now() - 3600_000);
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await ageRepositories(p);
    else await utimes(p, old, old);
  }
}

async function putManifest(base: string, name: string, ref: string, body: Buffer, type = OCI_MANIFEST): Promise<void> {
  const res = await fetch(`${base}/v2/${name}/manifests/${ref}`, { method: 'PUT', headers: { 'content-type': type }, body: asBody(body) });
  assert.equal(res.status, 201, await res.text());
}

async function blobExists(root: string, digest: string): Promise<boolean> {
  const hex = digest.slice(7);
  return stat(join(root, 'blobs', 'sha256', hex.slice(0, 2), hex)).then(() => true, () => false);
}

test('gc keeps what manifests, indexes and referrers reach and deletes the rest', async () => {
  const reg = await startTestRegistry();
  try {
    const kept = tinyImage(2);
    const dropped = tinyImage(2);
    await pushImage(reg.url, 'gc/app', 'keep', kept);
    await pushImage(reg.url, 'gc/app', 'drop', dropped);
    const orphan = randomBytes(2000);
    await pushBlob(reg.url, 'gc/app', orphan);

    // An index naming the kept image (by digest), and a referrer of it.
    const index = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [{ mediaType: OCI_MANIFEST, digest: kept.manifestDigest, size: kept.manifest.length, platform: { architecture: 'amd64', os: 'linux' } }],
    }));
    assert.equal((await fetch(`${reg.url}/v2/gc/app/manifests/multi`, { method: 'PUT', headers: { 'content-type': OCI_INDEX }, body: asBody(index) })).status, 201);
    const sbomLayer = randomBytes(300);
    await pushBlob(reg.url, 'gc/app', sbomLayer);
    const empty = Buffer.from('{}');
    await pushBlob(reg.url, 'gc/app', empty);
    const referrer = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: 'application/vnd.example.sbom',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(empty), size: 2 },
      layers: [{ mediaType: 'application/json', digest: sha256(sbomLayer), size: sbomLayer.length }],
      subject: { mediaType: OCI_MANIFEST, digest: kept.manifestDigest, size: kept.manifest.length },
    }));
    assert.equal((await fetch(`${reg.url}/v2/gc/app/manifests/${sha256(referrer)}`, { method: 'PUT', headers: { 'content-type': OCI_MANIFEST }, body: asBody(referrer) })).status, 201);

    // Untag and delete the second image: its blobs become garbage.
    assert.equal((await fetch(`${reg.url}/v2/gc/app/manifests/${dropped.manifestDigest}`, { method: 'DELETE' })).status, 202);
    await ageAllBlobs(reg.root);
    const recent = randomBytes(1000); // pushed after the others aged: too young to collect
    await pushBlob(reg.url, 'gc/app', recent);

    const dry = await garbageCollect({ root: reg.root, dryRun: true });
    const garbage = [dropped.manifestDigest, sha256(dropped.config), ...dropped.layers.map(sha256), sha256(orphan)].sort();
    assert.deepEqual([...dry.deleted].sort(), garbage);
    for (const d of garbage) assert.ok(await blobExists(reg.root, d), 'dry run deletes nothing');

    const res = await garbageCollect({ root: reg.root });
    assert.deepEqual([...res.deleted].sort(), garbage);
    assert.deepEqual(res.keptRecent, [sha256(recent)]);
    for (const d of garbage) assert.equal(await blobExists(reg.root, d), false, `${d} removed`);
    const reachable = [kept.manifestDigest, sha256(kept.config), ...kept.layers.map(sha256), sha256(index), sha256(referrer), sha256(sbomLayer), sha256(empty)];
    for (const d of reachable) assert.ok(await blobExists(reg.root, d), `${d} kept`);

    // The running registry still serves the kept image and no longer claims the dropped layers.
    for (const l of kept.layers) assert.equal((await fetch(`${reg.url}/v2/gc/app/blobs/${sha256(l)}`)).status, 200);
    assert.equal((await fetch(`${reg.url}/v2/gc/app/manifests/multi`)).status, 200);
    for (const l of dropped.layers) assert.equal((await fetch(`${reg.url}/v2/gc/app/blobs/${sha256(l)}`, { method: 'HEAD' })).status, 404);
    assert.deepEqual(await readdir(join(reg.root, '_trash')), []);
  } finally {
    await reg.dispose();
  }
});

test('gc beside pushes: a manifest accepted during gc never loses a blob', async () => {
  const reg = await startTestRegistry();
  try {
    for (let round = 0; round < 15; round++) {
      const img = tinyImage(3, 4096);
      for (const b of [...img.layers, img.config]) await pushBlob(reg.url, 'race', b);
      await ageAllBlobs(reg.root);
      // The blobs are old and unreferenced when gc starts; the manifest that references them
      // arrives while gc runs. Either the push wins (and every blob stays) or it is refused.
      const [put] = await Promise.all([
        fetch(`${reg.url}/v2/race/manifests/r${round}`, { method: 'PUT', headers: { 'content-type': OCI_MANIFEST }, body: asBody(img.manifest) }),
        garbageCollect({ root: reg.root }),
      ]);
      if (put.status === 201) {
        for (const b of [...img.layers, img.config]) assert.ok(await blobExists(reg.root, sha256(b)), `round ${round}: accepted manifest lost ${sha256(b)}`);
        const again = await garbageCollect({ root: reg.root });
        for (const b of [...img.layers, img.config]) assert.ok(!again.deleted.includes(sha256(b)));
      } else {
        assert.equal(put.status, 400);
        assert.equal(((await put.json()) as { errors: Array<{ code: string }> }).errors[0].code, 'MANIFEST_BLOB_UNKNOWN');
      }
    }
  } finally {
    await reg.dispose();
  }
});

test('gc --delete-untagged removes manifests no tag reaches, keeping index children and referrers', async () => {
  const reg = await startTestRegistry();
  try {
    const name = 'gc/untagged';
    const tagged = tinyImage(1);
    await pushImage(reg.url, name, 'keep', tagged);
    // An index, tagged, whose child was pushed by digest only.
    const child = tinyImage(1);
    for (const b of [...child.layers, child.config]) await pushBlob(reg.url, name, b);
    await putManifest(reg.url, name, child.manifestDigest, child.manifest);
    const index = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [{ mediaType: OCI_MANIFEST, digest: child.manifestDigest, size: child.manifest.length }],
    }));
    await putManifest(reg.url, name, 'multi', index, OCI_INDEX);
    // A referrer of the tagged image (untagged itself) ...
    const empty = Buffer.from('{}');
    await pushBlob(reg.url, name, empty);
    const referrer = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: 'application/vnd.example.sig',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(empty), size: 2 },
      layers: [{ mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(empty), size: 2 }],
      subject: { mediaType: OCI_MANIFEST, digest: tagged.manifestDigest, size: tagged.manifest.length },
    }));
    await putManifest(reg.url, name, sha256(referrer), referrer);
    // ... and an image nothing reaches.
    const lonely = tinyImage(2);
    for (const b of [...lonely.layers, lonely.config]) await pushBlob(reg.url, name, b);
    await putManifest(reg.url, name, lonely.manifestDigest, lonely.manifest);
    // Untagged but pushed just now: too young to remove.
    const fresh = tinyImage(1);

    await ageAllBlobs(reg.root);
    await ageRepositories(join(reg.root, 'repositories'));
    for (const b of [...fresh.layers, fresh.config]) await pushBlob(reg.url, name, b);
    await putManifest(reg.url, name, fresh.manifestDigest, fresh.manifest);

    const dry = await garbageCollect({ root: reg.root, deleteUntagged: true, dryRun: true });
    assert.deepEqual(dry.removedManifests, [`${name}@${lonely.manifestDigest}`]);
    assert.equal((await fetch(`${reg.url}/v2/${name}/manifests/${lonely.manifestDigest}`)).status, 200, 'dry run removes nothing');

    const res = await garbageCollect({ root: reg.root, deleteUntagged: true });
    assert.deepEqual(res.removedManifests, [`${name}@${lonely.manifestDigest}`]);
    assert.deepEqual([...res.deleted].sort(), [lonely.manifestDigest, sha256(lonely.config), ...lonely.layers.map(sha256)].sort());
    assert.equal((await fetch(`${reg.url}/v2/${name}/manifests/${lonely.manifestDigest}`)).status, 404);
    for (const d of [child.manifestDigest, sha256(referrer), fresh.manifestDigest, 'keep', 'multi']) {
      assert.equal((await fetch(`${reg.url}/v2/${name}/manifests/${d}`)).status, 200, `${d} kept`);
    }
    const refs = (await (await fetch(`${reg.url}/v2/${name}/referrers/${tagged.manifestDigest}`)).json()) as { manifests: Array<{ digest: string }> };
    assert.deepEqual(refs.manifests.map((m) => m.digest), [sha256(referrer)]);
    for (const b of [...child.layers, child.config, empty]) assert.ok(await blobExists(reg.root, sha256(b)));
  } finally {
    await reg.dispose();
  }
});
