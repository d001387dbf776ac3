import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { busyboxRootfsTar } from '../support/busybox-rootfs.js';
import { sha256 } from '../registry/helpers.js';
import { parseNormalizedNamed } from '../../src/reference/reference.js';
import { pushRepository } from '../../src/distribution/client/push.js';
import { RegistryClient } from '../../src/distribution/client/registry-client.js';
import type { ProgressMessage } from '../../src/distribution/client/progress.js';
import { startDockerRegistry, type RunningDockerRegistry } from './docker-registry.js';
import { pull, tempStore } from './helpers.js';
import { run } from './api-harness.js';

async function skopeoDigest(ref: string, extra: string[] = []): Promise<string> {
  const r = await run('skopeo', ['inspect', '--raw', '--tls-verify=false', ...extra, `docker://${ref}`]);
  assert.equal(r.code, 0, r.stderr);
  return sha256(Buffer.from(r.stdout));
}

/** Copies with skopeo into an OCI layout, which makes skopeo fetch and verify every blob. */
async function skopeoCopies(ref: string, extra: string[] = []): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'wharf-dc-oci-'));
  try {
    const r = await run('skopeo', ['copy', '--src-tls-verify=false', ...extra, `docker://${ref}`, `oci:${dir}:x`]);
    assert.equal(r.code, 0, r.stderr);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('push to and pull from Docker\'s reference registry', () => {
  let dir: string;
  let plain: RunningDockerRegistry;
  let authed: RunningDockerRegistry;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wharf-dc-dreg-'));
    plain = await startDockerRegistry(join(dir, 'plain'));
    const htpasswd = join(dir, 'htpasswd');
    await writeFile(htpasswd, execFileSync('htpasswd', ['-Bbn', 'alice', 's3cret'], { encoding: 'utf8' }));
    authed = await startDockerRegistry(join(dir, 'authed'), { htpasswd });
  });
  after(async () => {
    await plain?.stop();
    await authed?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('push of an imported image: digest printed as docker does, skopeo reads it back, a second push uploads nothing', async () => {
    const s = await tempStore();
    try {
      const name = `${plain.host}/team/bb`;
      const img = await s.store.importRootfs(Readable.from([await busyboxRootfsTar()]), { reference: `${name}:1.0`, changes: ['CMD ["sh"]'] });
      const msgs: ProgressMessage[] = [];
      const [res] = await pushRepository(s.store, parseNormalizedNamed(name), '1.0', { onProgress: (m) => msgs.push(m) });
      assert.equal(msgs[0].status, `The push refers to repository [${name}]`);
      assert.ok(msgs.some((m) => m.status === 'Pushed'));
      assert.equal(msgs.at(-2)?.status, `1.0: digest: ${res.digest} size: ${res.size}`);
      assert.deepEqual(msgs.at(-1)?.aux, { Tag: '1.0', Digest: res.digest, Size: res.size });
      assert.equal(await skopeoDigest(`${name}:1.0`), res.digest);
      await skopeoCopies(`${name}:1.0`);
      const again: ProgressMessage[] = [];
      await pushRepository(s.store, parseNormalizedNamed(name), '1.0', { onProgress: (m) => again.push(m) });
      assert.ok(again.some((m) => m.status === 'Layer already exists'));
      assert.ok(!again.some((m) => m.status === 'Pushed' || m.status === 'Pushing'));
      assert.deepEqual((await s.store.get(`${name}:1.0`)).repoDigests, [`${name}@${res.digest}`]);
      // A fresh store pulls it back to the same image.
      const t = await tempStore();
      try {
        const p = await pull(t.store, `${name}:1.0`);
        assert.equal(p.id, img.id);
      } finally {
        await t.dispose();
      }
    } finally {
      await s.dispose();
    }
  });

  test('chunked uploads and a cross-repository mount', async () => {
    const s = await tempStore();
    try {
      const a = `${plain.host}/chunked/a`;
      const b = `${plain.host}/chunked/b`;
      await s.store.importRootfs(Readable.from([await busyboxRootfsTar()]), { reference: `${a}:v`, changes: ['CMD ["sh"]'] });
      const [ra] = await pushRepository(s.store, parseNormalizedNamed(a), 'v', { chunkSize: 256 * 1024 });
      await skopeoCopies(`${a}:v`);
      await s.store.tag(`${a}:v`, `${b}:v`);
      const msgs: ProgressMessage[] = [];
      const [rb] = await pushRepository(s.store, parseNormalizedNamed(b), 'v', { onProgress: (m) => msgs.push(m) });
      assert.ok(msgs.some((m) => m.status === 'Mounted from chunked/a'), JSON.stringify(msgs));
      assert.equal(rb.digest, ra.digest);
      assert.equal(await skopeoDigest(`${b}:v`), ra.digest);
    } finally {
      await s.dispose();
    }
  });

  test('htpasswd: anonymous pull and push are refused with Docker\'s messages; credentials work; login checks them', async () => {
    const s = await tempStore();
    try {
      const name = `${authed.host}/private/bb`;
      await s.store.importRootfs(Readable.from([await busyboxRootfsTar()]), { reference: `${name}:1`, changes: ['CMD ["sh"]'] });
      await assert.rejects(pushRepository(s.store, parseNormalizedNamed(name), '1'), /unauthorized/);
      const creds = { username: 'alice', password: 's3cret' };
      const [res] = await pushRepository(s.store, parseNormalizedNamed(name), '1', { creds });
      assert.equal(await skopeoDigest(`${name}:1`, ['--creds', 'alice:s3cret']), res.digest);
      const t = await tempStore();
      try {
        await assert.rejects(pull(t.store, `${name}:1`), (err: Error) => {
          assert.match(err.message, /^pull access denied for 127\.0\.0\.1:\d+\/private\/bb, repository does not exist or may require 'docker login': unauthorized: /);
          return true;
        });
        assert.deepEqual(await readdir(join(t.root, 'content', 'blobs', 'sha256')).catch(() => []), []);
        const p = await pull(t.store, `${name}:1`, { creds });
        assert.equal(p.digest, res.digest);
      } finally {
        await t.dispose();
      }
      await new RegistryClient(authed.host, { creds }).login();
      await assert.rejects(new RegistryClient(authed.host, { creds: { username: 'alice', password: 'wrong' } }).login(), (err: Error & { kind?: string }) => {
        assert.equal(err.kind, 'unauthorized');
        assert.equal(err.message, `login attempt to http://${authed.host}/v2/ failed with status: 401 Unauthorized`);
        return true;
      });
    } finally {
      await s.dispose();
    }
  });
});

void readFile;
