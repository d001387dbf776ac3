import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { OCI_MANIFEST, asBody, pushBlob, pushImage, sha256, startTestRegistry, tempDir, tinyImage } from './helpers.js';

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** Docker's reference registry (Debian docker-registry) on a private root and port. */
async function startDockerRegistry(dir: string): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  await mkdir(join(dir, 'data'), { recursive: true });
  const config = join(dir, 'config.yml');
  await writeFile(config, [
    'version: 0.1',
    'log:', '  level: error', '  accesslog:', '    disabled: true',
    'storage:', '  filesystem:', `    rootdirectory: ${join(dir, 'data')}`, '  delete:', '    enabled: true',
    'http:', `  addr: 127.0.0.1:${port}`,
  ].join('\n'));
  const proc = spawn('/usr/bin/docker-registry', ['serve', config], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (proc.exitCode === null) {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    }
  };
  for (let i = 0; i < 200; i++) {
    if (await fetch(`${url}/v2/`).then((r) => r.ok, () => false)) return { url, stop };
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new Error('docker-registry did not start');
}

interface Outcome {
  status: number;
  code?: string;
  range?: string | null;
}

async function outcome(res: Response, withRange = false): Promise<Outcome> {
  const text = await res.text();
  let code: string | undefined;
  try {
    code = (JSON.parse(text) as { errors?: Array<{ code: string }> }).errors?.[0]?.code;
  } catch {
    code = undefined;
  }
  return { status: res.status, ...(code ? { code } : {}), ...(withRange ? { range: res.headers.get('range') } : {}) };
}

/**
 * The same request sequence against both registries; each step's status, error code (and upload
 * Range) must agree. Only behaviour both implement the same way is compared (Wharf also takes
 * monolithic POSTs, tag deletion, 413 for huge manifests and 400 NAME_INVALID for a malformed name,
 * where Docker's 2.8 answers 202, 405, 400 and a bare 404; and 416 for an out-of-order chunk,
 * which the OCI spec requires and Docker's 2.8 accepts with a 202; and tag-list pagination with
 * `n` alone, which the spec defines and Docker's 2.8 ignores).
 */
async function scenario(base: string): Promise<Record<string, Outcome>> {
  const img = tinyImage(2, 2048);
  const out: Record<string, Outcome> = {};
  out.base = await outcome(await fetch(`${base}/v2/`));
  out.unknownRepoManifest = await outcome(await fetch(`${base}/v2/diff/none/manifests/latest`));
  out.unknownBlob = await outcome(await fetch(`${base}/v2/diff/app/blobs/${sha256('nothing')}`));

  // Chunked upload and a wrong digest.
  const data = randomBytes(30_000);
  const start = await fetch(`${base}/v2/diff/app/blobs/uploads/`, { method: 'POST' });
  out.start = await outcome(start, true);
  const url = new URL(start.headers.get('location')!, base);
  const first = await fetch(url, { method: 'PATCH', headers: { 'content-range': '0-9999', 'content-type': 'application/octet-stream' }, body: asBody(data.subarray(0, 10_000)) });
  out.firstChunk = await outcome(first, true);
  const next = new URL(first.headers.get('location')!, base);
  const second = await fetch(next, { method: 'PATCH', headers: { 'content-range': '10000-29999', 'content-type': 'application/octet-stream' }, body: asBody(data.subarray(10_000)) });
  out.secondChunk = await outcome(second, true);
  const last = new URL(second.headers.get('location')!, base);
  const status = await fetch(last);
  out.status = await outcome(status, true);
  const wrong = new URL(last);
  wrong.searchParams.set('digest', sha256('other'));
  out.wrongDigest = await outcome(await fetch(wrong, { method: 'PUT' }));
  // Docker's registry drops the session after a digest mismatch; start again for the good PUT.
  const again = await fetch(`${base}/v2/diff/app/blobs/uploads/`, { method: 'POST' });
  await again.arrayBuffer();
  const good = new URL(again.headers.get('location')!, base);
  good.searchParams.set('digest', sha256(data));
  out.finish = await outcome(await fetch(good, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: asBody(data) }));
  const range = await fetch(`${base}/v2/diff/app/blobs/${sha256(data)}`, { headers: { range: 'bytes=5-14' } });
  out.rangeGet = { status: range.status };
  assert.deepEqual(Buffer.from(await range.arrayBuffer()), data.subarray(5, 15));

  // A manifest whose layers were never pushed, then the whole image.
  await pushBlob(base, 'diff/app', img.config);
  out.missingBlobs = await outcome(await fetch(`${base}/v2/diff/app/manifests/v1`, { method: 'PUT', headers: { 'content-type': OCI_MANIFEST }, body: asBody(img.manifest) }));
  await pushImage(base, 'diff/app', 'v1', img);
  out.wrongManifestDigest = await outcome(await fetch(`${base}/v2/diff/app/manifests/${sha256('x')}`, { method: 'PUT', headers: { 'content-type': OCI_MANIFEST }, body: asBody(img.manifest) }));
  // Docker's 2.8 hides OCI manifests from clients that do not Accept them; real clients do.
  const accept = { accept: OCI_MANIFEST };
  out.getManifest = await outcome(await fetch(`${base}/v2/diff/app/manifests/v1`, { headers: accept }));
  out.unknownTag = await outcome(await fetch(`${base}/v2/diff/app/manifests/v9`, { headers: accept }));

  // Mount into another repository, and a mount that has to fall back to an upload.
  out.mount = await outcome(await fetch(`${base}/v2/diff/other/blobs/uploads/?mount=${sha256(data)}&from=diff/app`, { method: 'POST' }));
  out.mountFallback = await outcome(await fetch(`${base}/v2/diff/other/blobs/uploads/?mount=${sha256('absent')}&from=diff/app`, { method: 'POST' }));

  // Tags (unpaginated: Docker's 2.8 ignores `n` without `last`).
  for (const t of ['v3', 'v2']) await pushImage(base, 'diff/app', t, img);
  const tags = await fetch(`${base}/v2/diff/app/tags/list`);
  out.tags = { status: tags.status, code: JSON.stringify(await tags.json()) };
  out.unknownRepoTags = await outcome(await fetch(`${base}/v2/diff/nothing/tags/list`));

  // Deletion by digest.
  out.deleteManifest = await outcome(await fetch(`${base}/v2/diff/app/manifests/${img.manifestDigest}`, { method: 'DELETE' }));
  out.afterDelete = await outcome(await fetch(`${base}/v2/diff/app/manifests/${img.manifestDigest}`, { headers: accept }));
  out.deleteBlob = await outcome(await fetch(`${base}/v2/diff/app/blobs/${sha256(data)}`, { method: 'DELETE' }));
  out.afterBlobDelete = await outcome(await fetch(`${base}/v2/diff/app/blobs/${sha256(data)}`));
  return out;
}

test("Wharf's registry answers like Docker's reference registry, step by step", async () => {
  const dir = await tempDir('wharf-diff-');
  const wharf = await startTestRegistry();
  let docker: { url: string; stop(): Promise<void> } | undefined;
  try {
    docker = await startDockerRegistry(dir);
    const theirs = await scenario(docker.url);
    const ours = await scenario(wharf.url);
    for (const step of Object.keys(theirs)) assert.deepEqual(ours[step], theirs[step], `step ${step}`);
  } finally {
    await docker?.stop();
    await wharf.dispose();
    await rm(dir, { recursive: true, force: true });
  }
});
