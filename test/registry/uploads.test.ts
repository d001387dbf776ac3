import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { asBody, sha256, startTestRegistry, errorCode } from './helpers.js';

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
    for (let i = 0; i < 250 && (await readdir(join(reg.root, '_uploads'))).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal((await fetch(`${reg.url}/v2/cut/blobs/${sha256(data)}`, { method: 'HEAD' })).status, 404);
    assert.deepEqual(await readdir(join(reg.root, '_uploads')), []);
    assert.deepEqual(await readdir(join(reg.root, 'blobs')), []);
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
    for (let i = 0; i < 250; i++) {
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

test('past --max-requests in flight, requests get 429 TOOMANYREQUESTS with Retry-After', async () => {
  const reg = await startTestRegistry({ maxInflight: 1 });
  try {
    const data = randomBytes(20_000);
    // Hold one request open: a monolithic upload whose body is still arriving.
    let finish!: (v: number) => void;
    const done = new Promise<number>((r) => (finish = r));
    const slow = request(`${reg.url}/v2/busy/blobs/uploads/?digest=${sha256(data)}`, { method: 'POST', headers: { 'content-length': data.length } }, (res) => {
      res.resume();
      finish(res.statusCode!);
    });
    slow.write(data.subarray(0, 10_000));
    // Wait until the server is inside that request (its upload session exists).
    for (let i = 0; i < 250 && (await readdir(join(reg.root, '_uploads'))).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    const refused = await fetch(`${reg.url}/v2/`);
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.equal(await errorCode(refused), 'TOOMANYREQUESTS');
    slow.end(data.subarray(10_000));
    assert.equal(await done, 201);
    let status = 0;
    for (let i = 0; i < 250 && status !== 200; i++) {
      status = (await fetch(`${reg.url}/v2/`)).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(status, 200);
  } finally {
    await reg.dispose();
  }
});
