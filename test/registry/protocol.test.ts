import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { OCI_MANIFEST, asBody, pushBlob, pushImage, sha256, startTestRegistry, tinyImage } from './helpers.js';

async function errorCode(res: Response): Promise<string> {
  const body = (await res.json()) as { errors: Array<{ code: string; message: string }> };
  assert.ok(Array.isArray(body.errors) && body.errors.length > 0, 'spec error envelope');
  assert.equal(typeof body.errors[0].message, 'string');
  return body.errors[0].code;
}

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

test('chunked upload: Location, Range, 416 out of order, status, digest check, commit', async () => {
  const reg = await startTestRegistry();
  try {
    const data = randomBytes(300_000);
    const start = await fetch(`${reg.url}/v2/chunky/blobs/uploads/`, { method: 'POST' });
    assert.equal(start.status, 202);
    assert.equal(start.headers.get('range'), '0-0');
    const uuid = start.headers.get('docker-upload-uuid');
    assert.ok(uuid);
    const loc = start.headers.get('location')!;
    assert.ok(loc.includes(uuid));
    const url = new URL(loc, reg.url).toString();

    const first = await fetch(url, {
      method: 'PATCH',
      headers: { 'content-range': '0-99999', 'content-type': 'application/octet-stream' },
      body: asBody(data.subarray(0, 100_000)),
    });
    assert.equal(first.status, 202);
    assert.equal(first.headers.get('range'), '0-99999');
    const next = new URL(first.headers.get('location')!, reg.url).toString();

    const outOfOrder = await fetch(next, { method: 'PATCH', headers: { 'content-range': '50000-59999' }, body: asBody(data.subarray(50_000, 60_000)) });
    assert.equal(outOfOrder.status, 416);
    assert.equal(outOfOrder.headers.get('range'), '0-99999');

    const status = await fetch(next);
    assert.equal(status.status, 204);
    assert.equal(status.headers.get('range'), '0-99999');

    const second = await fetch(next, { method: 'PATCH', headers: { 'content-range': '100000-299999' }, body: asBody(data.subarray(100_000)) });
    assert.equal(second.status, 202);
    assert.equal(second.headers.get('range'), '0-299999');

    const wrong = await fetch(`${next}?digest=${sha256('something else')}`, { method: 'PUT' });
    assert.equal(wrong.status, 400);
    assert.equal(await errorCode(wrong), 'DIGEST_INVALID');
    assert.equal((await fetch(`${reg.url}/v2/chunky/blobs/${sha256('something else')}`, { method: 'HEAD' })).status, 404);

    const done = await fetch(`${next}?digest=${sha256(data)}`, { method: 'PUT' });
    assert.equal(done.status, 201);
    assert.equal(done.headers.get('docker-content-digest'), sha256(data));
    assert.equal(done.headers.get('location'), `/v2/chunky/blobs/${sha256(data)}`);
    const got = await fetch(`${reg.url}/v2/chunky/blobs/${sha256(data)}`);
    assert.deepEqual(Buffer.from(await got.arrayBuffer()), data);
    // The finished session is gone.
    assert.equal((await fetch(next)).status, 404);
  } finally {
    await reg.dispose();
  }
});

test('an upload session survives a registry restart', async () => {
  const first = await startTestRegistry();
  const data = randomBytes(64_000);
  let second;
  try {
    const start = await fetch(`${first.url}/v2/resume/blobs/uploads/`, { method: 'POST' });
    const loc = start.headers.get('location')!;
    const patch = await fetch(new URL(loc, first.url), { method: 'PATCH', headers: { 'content-range': '0-31999' }, body: asBody(data.subarray(0, 32_000)) });
    assert.equal(patch.status, 202);
    await first.close();
    second = await startTestRegistry({ root: first.root });
    const status = await fetch(new URL(loc, second.url));
    assert.equal(status.status, 204);
    assert.equal(status.headers.get('range'), '0-31999');
    const rest = await fetch(new URL(`${loc}?digest=${sha256(data)}`, second.url), {
      method: 'PUT',
      headers: { 'content-range': '32000-63999' },
      body: asBody(data.subarray(32_000)),
    });
    assert.equal(rest.status, 201);
    const got = await fetch(`${second.url}/v2/resume/blobs/${sha256(data)}`);
    assert.deepEqual(Buffer.from(await got.arrayBuffer()), data);
  } finally {
    await second?.dispose();
    await first.dispose();
  }
});

test('an interrupted monolithic upload leaves nothing visible', async () => {
  const reg = await startTestRegistry();
  try {
    const data = randomBytes(1_000_000);
    await new Promise<void>((resolve) => {
      const req = request(`${reg.url}/v2/cut/blobs/uploads/?digest=${sha256(data)}`, {
        method: 'POST',
        headers: { 'content-length': data.length },
      });
      req.on('error', () => resolve());
      req.write(data.subarray(0, 200_000), () => setTimeout(() => req.destroy(), 50));
      req.on('close', () => resolve());
    });
    // Give the server a moment to notice the dropped connection and clean up.
    for (let i = 0; i < 50 && (await readdir(join(reg.root, '_uploads'))).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal((await fetch(`${reg.url}/v2/cut/blobs/${sha256(data)}`, { method: 'HEAD' })).status, 404);
    assert.deepEqual(await readdir(join(reg.root, '_uploads')), []);
    assert.deepEqual(await readdir(join(reg.root, 'blobs')), []);
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
    assert.equal(await errorCode(noRepo), 'NAME_UNKNOWN');
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

test('concurrent chunks on one session are serialised: one lands, the other gets 416', async () => {
  const reg = await startTestRegistry();
  try {
    const data = randomBytes(200_000);
    const start = await fetch(`${reg.url}/v2/race/blobs/uploads/`, { method: 'POST' });
    const url = new URL(start.headers.get('location')!, reg.url);
    const [a, b] = await Promise.all([
      fetch(url, { method: 'PATCH', headers: { 'content-range': '0-99999' }, body: asBody(data.subarray(0, 100_000)) }),
      fetch(url, { method: 'PATCH', headers: { 'content-range': '0-99999' }, body: asBody(data.subarray(0, 100_000)) }),
    ]);
    assert.deepEqual([a.status, b.status].sort(), [202, 416]);
    const rest = await fetch(`${url}?digest=${sha256(data)}`, { method: 'PUT', headers: { 'content-range': '100000-199999' }, body: asBody(data.subarray(100_000)) });
    assert.equal(rest.status, 201);
  } finally {
    await reg.dispose();
  }
});

test('a chunk cut off mid-transfer is rolled back; the session continues from the last whole chunk', async () => {
  const reg = await startTestRegistry();
  try {
    const data = randomBytes(300_000);
    const start = await fetch(`${reg.url}/v2/cutchunk/blobs/uploads/`, { method: 'POST' });
    const url = new URL(start.headers.get('location')!, reg.url);
    const first = await fetch(url, { method: 'PATCH', headers: { 'content-range': '0-99999' }, body: asBody(data.subarray(0, 100_000)) });
    assert.equal(first.status, 202);
    await new Promise<void>((resolve) => {
      const req = request(url, { method: 'PATCH', headers: { 'content-range': '100000-299999', 'content-length': 200_000 } });
      req.on('error', () => resolve());
      req.on('close', () => resolve());
      req.write(data.subarray(100_000, 150_000), () => setTimeout(() => req.destroy(), 50));
    });
    let range = '';
    for (let i = 0; i < 50; i++) {
      range = (await fetch(url)).headers.get('range') ?? '';
      if (range === '0-99999') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(range, '0-99999');
    const rest = await fetch(`${url}?digest=${sha256(data)}`, { method: 'PUT', headers: { 'content-range': '100000-299999' }, body: asBody(data.subarray(100_000)) });
    assert.equal(rest.status, 201);
    assert.deepEqual(Buffer.from(await (await fetch(`${reg.url}/v2/cutchunk/blobs/${sha256(data)}`)).arrayBuffer()), data);
  } finally {
    await reg.dispose();
  }
});
