import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { OCI_MANIFEST, asBody, pushBlob, pushImage, sha256, startTestRegistry, tinyImage, errorCode } from './helpers.js';

test('version check answers 200 with the API version header', async () => {
  const reg = await startTestRegistry();
  try {
    const res = await fetch(`${reg.url}/v2/`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('docker-distribution-api-version'), 'registry/2.0');
  } finally {
    await reg.dispose();
  }
});

test('push then pull a manifest by tag and by digest, with HEAD', async () => {
  const reg = await startTestRegistry();
  try {
    const img = tinyImage();
    await pushImage(reg.url, 'team/app', 'v1', img);
    for (const ref of ['v1', img.manifestDigest]) {
      const res = await fetch(`${reg.url}/v2/team/app/manifests/${ref}`, { headers: { accept: OCI_MANIFEST } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), OCI_MANIFEST);
      assert.equal(res.headers.get('docker-content-digest'), img.manifestDigest);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), img.manifest);
    }
    const head = await fetch(`${reg.url}/v2/team/app/manifests/v1`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(img.manifest.length));
    assert.equal(head.headers.get('docker-content-digest'), img.manifestDigest);
    const blob = await fetch(`${reg.url}/v2/team/app/blobs/${sha256(img.layers[0])}`);
    assert.equal(blob.status, 200);
    assert.equal(blob.headers.get('docker-content-digest'), sha256(img.layers[0]));
    assert.deepEqual(Buffer.from(await blob.arrayBuffer()), img.layers[0]);
  } finally {
    await reg.dispose();
  }
});

test('manifests naming missing blobs, bad digests, bad tags, unknown types and oversize are refused', async () => {
  const reg = await startTestRegistry();
  try {
    const img = tinyImage();
    await pushBlob(reg.url, 'strict', img.config);
    // Layers were never pushed.
    const missing = await fetch(`${reg.url}/v2/strict/manifests/v1`, { method: 'PUT', headers: { 'content-type': OCI_MANIFEST }, body: asBody(img.manifest) });
    assert.equal(missing.status, 400);
    assert.equal(await errorCode(missing), 'MANIFEST_BLOB_UNKNOWN');
    assert.equal((await fetch(`${reg.url}/v2/strict/manifests/v1`)).status, 404);

    for (const l of img.layers) await pushBlob(reg.url, 'strict', l);
    const wrongDigest = await fetch(`${reg.url}/v2/strict/manifests/${sha256('nope')}`, {
      method: 'PUT',
      headers: { 'content-type': OCI_MANIFEST },
      body: asBody(img.manifest),
    });
    assert.equal(wrongDigest.status, 400);
    assert.equal(await errorCode(wrongDigest), 'DIGEST_INVALID');

    const byDigest = await fetch(`${reg.url}/v2/strict/manifests/${img.manifestDigest}`, {
      method: 'PUT',
      headers: { 'content-type': OCI_MANIFEST },
      body: asBody(img.manifest),
    });
    assert.equal(byDigest.status, 201);

    const badTag = await fetch(`${reg.url}/v2/strict/manifests/-bad`, { method: 'PUT', headers: { 'content-type': OCI_MANIFEST }, body: asBody(img.manifest) });
    assert.equal(badTag.status, 400);
    assert.equal(await errorCode(badTag), 'TAG_INVALID');

    const unknownType = await fetch(`${reg.url}/v2/strict/manifests/odd`, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.example.thing+json' },
      body: JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.example.thing+json' }),
    });
    assert.equal(unknownType.status, 400);
    assert.equal(await errorCode(unknownType), 'MANIFEST_INVALID');

    const mismatch = await fetch(`${reg.url}/v2/strict/manifests/mm`, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.docker.distribution.manifest.v2+json' },
      body: asBody(img.manifest),
    });
    assert.equal(await errorCode(mismatch), 'MANIFEST_INVALID');

    const huge = Buffer.alloc(4 * 1024 * 1024 + 10, 0x20);
    const big = await fetch(`${reg.url}/v2/strict/manifests/big`, { method: 'PUT', headers: { 'content-type': OCI_MANIFEST }, body: asBody(huge) });
    assert.equal(big.status, 413);
    assert.equal(await errorCode(big), 'SIZE_INVALID');

    const badName = await fetch(`${reg.url}/v2/Bad..Name/manifests/v1`);
    assert.equal(badName.status, 400);
    assert.equal(await errorCode(badName), 'NAME_INVALID');
    const noRepo = await fetch(`${reg.url}/v2/nothing/here/manifests/v1`);
    assert.equal(noRepo.status, 404);
    assert.equal(await errorCode(noRepo), 'MANIFEST_UNKNOWN');
    const noRepoTags = await fetch(`${reg.url}/v2/nothing/here/tags/list`);
    assert.equal(noRepoTags.status, 404);
    assert.equal(await errorCode(noRepoTags), 'NAME_UNKNOWN');
    const noTag = await fetch(`${reg.url}/v2/strict/manifests/absent`);
    assert.equal(noTag.status, 404);
    assert.equal(await errorCode(noTag), 'MANIFEST_UNKNOWN');
    const noUpload = await fetch(`${reg.url}/v2/strict/blobs/uploads/00000000-0000-4000-8000-000000000000`);
    assert.equal(noUpload.status, 404);
    assert.equal(await errorCode(noUpload), 'BLOB_UPLOAD_UNKNOWN');
    const noBlob = await fetch(`${reg.url}/v2/strict/blobs/${sha256('absent')}`);
    assert.equal(noBlob.status, 404);
    assert.equal(await errorCode(noBlob), 'BLOB_UNKNOWN');
    const badBlobDigest = await fetch(`${reg.url}/v2/strict/blobs/sha256:xyz`);
    assert.equal(await errorCode(badBlobDigest), 'DIGEST_INVALID');
  } finally {
    await reg.dispose();
  }
});

test('tags list paginates with n, last and a Link header', async () => {
  const reg = await startTestRegistry();
  try {
    const img = tinyImage(1);
    for (const tag of ['e', 'a', 'd', 'b', 'c']) await pushImage(reg.url, 'paged', tag, img);
    const all = await fetch(`${reg.url}/v2/paged/tags/list`);
    assert.deepEqual(await all.json(), { name: 'paged', tags: ['a', 'b', 'c', 'd', 'e'] });
    assert.equal(all.headers.get('link'), null);

    const seen: string[] = [];
    let next: string | undefined = '/v2/paged/tags/list?n=2';
    let pages = 0;
    while (next) {
      const res: Response = await fetch(new URL(next, reg.url));
      const body = (await res.json()) as { tags: string[] };
      seen.push(...body.tags);
      pages++;
      const link = res.headers.get('link');
      next = link ? /<([^>]+)>;\s*rel="next"/.exec(link)![1] : undefined;
    }
    assert.deepEqual(seen, ['a', 'b', 'c', 'd', 'e']);
    assert.equal(pages, 3);
    const after = await fetch(`${reg.url}/v2/paged/tags/list?last=c`);
    assert.deepEqual(((await after.json()) as { tags: string[] }).tags, ['d', 'e']);
    const unknown = await fetch(`${reg.url}/v2/nope/tags/list`);
    assert.equal(await errorCode(unknown), 'NAME_UNKNOWN');

    await pushImage(reg.url, 'another', 'x', img);
    const cat = await fetch(`${reg.url}/v2/_catalog?n=1`);
    assert.deepEqual(await cat.json(), { repositories: ['another'] });
    assert.match(cat.headers.get('link')!, /last=another/);
  } finally {
    await reg.dispose();
  }
});

test('blob Range requests answer 206, and 416 past the end', async () => {
  const reg = await startTestRegistry();
  try {
    const data = randomBytes(10_000);
    await pushBlob(reg.url, 'ranges', data);
    const url = `${reg.url}/v2/ranges/blobs/${sha256(data)}`;
    const part = await fetch(url, { headers: { range: 'bytes=100-199' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), 'bytes 100-199/10000');
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), data.subarray(100, 200));
    const tail = await fetch(url, { headers: { range: 'bytes=9990-' } });
    assert.deepEqual(Buffer.from(await tail.arrayBuffer()), data.subarray(9990));
    const past = await fetch(url, { headers: { range: 'bytes=20000-' } });
    assert.equal(past.status, 416);
    assert.equal(past.headers.get('content-range'), 'bytes */10000');
  } finally {
    await reg.dispose();
  }
});

test('cross-repository mount links an existing blob, and falls back to an upload session', async () => {
  const reg = await startTestRegistry();
  try {
    const data = randomBytes(5000);
    await pushBlob(reg.url, 'source/repo', data);
    const mounted = await fetch(`${reg.url}/v2/target/blobs/uploads/?mount=${sha256(data)}&from=source/repo`, { method: 'POST' });
    assert.equal(mounted.status, 201);
    assert.equal(mounted.headers.get('docker-content-digest'), sha256(data));
    assert.equal((await fetch(`${reg.url}/v2/target/blobs/${sha256(data)}`, { method: 'HEAD' })).status, 200);

    const other = randomBytes(10);
    const fallback = await fetch(`${reg.url}/v2/target/blobs/uploads/?mount=${sha256(other)}&from=source/repo`, { method: 'POST' });
    assert.equal(fallback.status, 202);
    assert.ok(fallback.headers.get('location')?.startsWith('/v2/target/blobs/uploads/'));
  } finally {
    await reg.dispose();
  }
});

test('referrers API lists manifests by subject, filters by artifactType', async () => {
  const reg = await startTestRegistry();
  try {
    const img = tinyImage(1);
    await pushImage(reg.url, 'signed', 'v1', img);
    const empty = Buffer.from('{}');
    await pushBlob(reg.url, 'signed', empty);
    const artifact = (type: string, note: string) =>
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          artifactType: type,
          config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(empty), size: 2 },
          layers: [{ mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(empty), size: 2 }],
          subject: { mediaType: OCI_MANIFEST, digest: img.manifestDigest, size: img.manifest.length },
          annotations: { note },
        }),
      );
    const sig = artifact('application/vnd.example.signature', 'sig');
    const sbom = artifact('application/vnd.example.sbom', 'sbom');
    for (const m of [sig, sbom]) {
      const res = await fetch(`${reg.url}/v2/signed/manifests/${sha256(m)}`, { method: 'PUT', headers: { 'content-type': OCI_MANIFEST }, body: asBody(m) });
      assert.equal(res.status, 201);
      assert.equal(res.headers.get('oci-subject'), img.manifestDigest);
    }
    const all = await fetch(`${reg.url}/v2/signed/referrers/${img.manifestDigest}`);
    assert.equal(all.status, 200);
    assert.equal(all.headers.get('content-type'), 'application/vnd.oci.image.index.v1+json');
    assert.equal(all.headers.get('oci-filters-applied'), null);
    const index = (await all.json()) as { manifests: Array<{ digest: string; artifactType: string; annotations: Record<string, string> }> };
    assert.deepEqual(index.manifests.map((m) => m.digest).sort(), [sha256(sig), sha256(sbom)].sort());
    const filtered = await fetch(`${reg.url}/v2/signed/referrers/${img.manifestDigest}?artifactType=application/vnd.example.sbom`);
    assert.equal(filtered.headers.get('oci-filters-applied'), 'artifactType');
    const f = (await filtered.json()) as typeof index;
    assert.deepEqual(f.manifests.map((m) => [m.digest, m.artifactType, m.annotations.note]), [[sha256(sbom), 'application/vnd.example.sbom', 'sbom']]);

    // Deleting a referrer removes it from the list; an unknown subject lists nothing.
    assert.equal((await fetch(`${reg.url}/v2/signed/manifests/${sha256(sig)}`, { method: 'DELETE' })).status, 202);
    const after = (await (await fetch(`${reg.url}/v2/signed/referrers/${img.manifestDigest}`)).json()) as typeof index;
    assert.deepEqual(after.manifests.map((m) => m.digest), [sha256(sbom)]);
    const none = await fetch(`${reg.url}/v2/signed/referrers/${sha256('x')}`);
    assert.equal(none.status, 200);
    assert.deepEqual(((await none.json()) as typeof index).manifests, []);
  } finally {
    await reg.dispose();
  }
});

test('deleting manifests and blobs', async () => {
  const reg = await startTestRegistry();
  try {
    const img = tinyImage(1);
    await pushImage(reg.url, 'del', 'v1', img);
    await pushImage(reg.url, 'del', 'v2', img);
    assert.equal((await fetch(`${reg.url}/v2/del/manifests/v2`, { method: 'DELETE' })).status, 202);
    assert.equal((await fetch(`${reg.url}/v2/del/manifests/v2`)).status, 404);
    assert.equal((await fetch(`${reg.url}/v2/del/manifests/v1`)).status, 200);
    assert.equal((await fetch(`${reg.url}/v2/del/manifests/${img.manifestDigest}`, { method: 'DELETE' })).status, 202);
    assert.equal((await fetch(`${reg.url}/v2/del/manifests/v1`)).status, 404);
    assert.equal((await fetch(`${reg.url}/v2/del/manifests/${img.manifestDigest}`)).status, 404);
    const layer = sha256(img.layers[0]);
    assert.equal((await fetch(`${reg.url}/v2/del/blobs/${layer}`, { method: 'DELETE' })).status, 202);
    assert.equal((await fetch(`${reg.url}/v2/del/blobs/${layer}`)).status, 404);
  } finally {
    await reg.dispose();
  }
});

test('hostile paths, unknown endpoints and methods get spec errors and never touch files outside the root', async () => {
  const reg = await startTestRegistry();
  try {
    const img = tinyImage(1);
    await pushImage(reg.url, 'safe', 'v1', img);
    const cases: Array<[string, string, number, string]> = [
      ['GET', '/v2/safe/manifests/..%2F..%2F..%2Fetc%2Fpasswd', 404, 'MANIFEST_UNKNOWN'],
      ['PUT', '/v2/safe/manifests/..%2Fescape', 400, 'TAG_INVALID'],
      ['GET', '/v2/a/.hidden/manifests/v1', 400, 'NAME_INVALID'],
      ['GET', '/v2/a%2F..%2Fb/manifests/v1', 400, 'NAME_INVALID'],
      ['GET', '/v2/safe/blobs/sha256:..%2F..%2Fx', 400, 'DIGEST_INVALID'],
      ['PATCH', '/v2/safe/blobs/uploads/..%2F..%2Fblobs', 404, 'BLOB_UPLOAD_UNKNOWN'],
      ['GET', '/v2/safe/tags/list?n=-1', 400, 'PAGINATION_NUMBER_INVALID'],
      ['POST', '/v2/safe/manifests/v1', 405, 'UNSUPPORTED'],
      ['GET', '/v2/safe/nothing-here', 404, 'UNSUPPORTED'],
      ['GET', '/v1/_ping', 404, 'UNSUPPORTED'],
    ];
    for (const [method, path, status, code] of cases) {
      const res = await fetch(`${reg.url}${path}`, { method, body: method === 'PUT' ? '{}' : undefined });
      assert.equal(res.status, status, `${method} ${path}`);
      assert.equal(await errorCode(res), code, `${method} ${path}`);
    }
    // A second session of the same upload cannot be driven from another repository.
    const start = await fetch(`${reg.url}/v2/safe/blobs/uploads/`, { method: 'POST' });
    const uuid = start.headers.get('docker-upload-uuid');
    const foreign = await fetch(`${reg.url}/v2/other/blobs/uploads/${uuid}`);
    assert.equal(await errorCode(foreign), 'BLOB_UPLOAD_UNKNOWN');
    // The registry still serves normally afterwards.
    assert.equal((await fetch(`${reg.url}/v2/safe/manifests/v1`)).status, 200);
  } finally {
    await reg.dispose();
  }
});
