import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { busyboxRootfsTar } from '../support/busybox-rootfs.js';
import { selfSignedCert, type TestCert } from '../registry/certs.js';
import { busyboxImage, pushImage, startTestRegistry, sha256, type TestRegistry } from '../registry/helpers.js';
import { parseNormalizedNamed } from '../../src/reference/reference.js';
import { pushRepository } from '../../src/distribution/client/push.js';
import { RegistryClient } from '../../src/distribution/client/registry-client.js';
import { fetchManifest } from '../../src/distribution/client/manifests.js';
import { startDockerRegistry, type RunningDockerRegistry } from './docker-registry.js';
import { startTokenService, type TokenService } from './token-service.js';
import { pull, tempStore } from './helpers.js';

describe('token auth and TLS with a per-registry CA (Docker\'s registry)', () => {
  let dir: string;
  let signer: TestCert;
  let serverCert: TestCert;
  let tokens: TokenService;
  let reg: RunningDockerRegistry;
  let certsDir: string;
  const service = 'wharf-test-registry';
  const issuer = 'wharf-test-issuer';
  const creds = { username: 'dave', password: 'pw' };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wharf-dc-tok-'));
    signer = await selfSignedCert('rsa', 'token-signer');
    serverCert = await selfSignedCert('rsa', 'registry');
    await writeFile(join(dir, 'signer.pem'), signer.certPem);
    await writeFile(join(dir, 'server.crt'), serverCert.certPem);
    await writeFile(join(dir, 'server.key'), serverCert.keyPem);
    tokens = await startTokenService({ key: signer.key, certPem: signer.certPem, issuer, service, user: creds.username, password: creds.password });
    reg = await startDockerRegistry(join(dir, 'reg'), {
      token: { realm: tokens.realm, service, issuer, rootCertBundle: join(dir, 'signer.pem') },
      tls: { cert: join(dir, 'server.crt'), key: join(dir, 'server.key') },
    });
    certsDir = join(dir, 'certs.d');
    await mkdir(join(certsDir, reg.host), { recursive: true });
    await writeFile(join(certsDir, reg.host, 'ca.crt'), serverCert.certPem);
  });
  after(async () => {
    await reg?.stop();
    await tokens?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('push and pull over TLS trusted through certs.d, with bearer tokens scoped per repository and reused', async () => {
    const hosts = { certsDirs: [certsDir] };
    const s = await tempStore();
    try {
      const name = `${reg.host}/secure/bb`;
      const img = await s.store.importRootfs(Readable.from([await busyboxRootfsTar()]), { reference: `${name}:t`, changes: ['CMD ["sh"]'] });
      tokens.requests.length = 0;
      const [res] = await pushRepository(s.store, parseNormalizedNamed(name), 't', { creds, hosts });
      assert.ok(tokens.requests.length >= 1);
      assert.ok(tokens.requests.length <= 3, `tokens reused, not fetched per request (${tokens.requests.length})`);
      assert.ok(tokens.requests.every((r) => r.ok && r.service === service));
      assert.ok(tokens.requests.some((r) => r.scopes.includes('repository:secure/bb:pull,push')));
      const t = await tempStore();
      try {
        const p = await pull(t.store, `${name}:t`, { creds, hosts });
        assert.equal(p.id, img.id);
        assert.equal(p.digest, res.digest);
        // Without the CA the registry's certificate is not trusted.
        await assert.rejects(pull(t.store, `${name}:t`, { creds, hosts: { certsDirs: [] } }), /self-signed certificate|unable to verify|certificate/);
        // Wrong password: the token service refuses, and so does login.
        await assert.rejects(pull(t.store, `${name}:t`, { creds: { username: 'dave', password: 'nope' }, hosts }), /unauthorized: incorrect username or password/);
        // One client reuses its token for the same scope (expiry and refresh: registry-client.test.ts).
        const client = new RegistryClient(reg.host, { creds, hosts });
        assert.equal((await fetchManifest(client, 'secure/bb', 't')).digest, res.digest);
        const first = tokens.requests.length;
        assert.equal((await fetchManifest(client, 'secure/bb', 't')).digest, res.digest);
        assert.equal(tokens.requests.length, first, 'the cached token is reused');
        await new RegistryClient(reg.host, { creds, hosts }).login();
        await assert.rejects(new RegistryClient(reg.host, { creds: { username: 'dave', password: 'nope' }, hosts }).login(), /unauthorized/);
      } finally {
        await t.dispose();
      }
    } finally {
      await s.dispose();
    }
  });
});

describe('Docker Hub\'s path against a local stand-in', () => {
  let signer: TestCert;
  let dir: string;
  let tokens: TokenService;
  let reg: TestRegistry;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wharf-dc-hub-'));
    signer = await selfSignedCert('rsa', 'hub-signer');
    await writeFile(join(dir, 'signer.pem'), signer.certPem);
    tokens = await startTokenService({ key: signer.key, certPem: signer.certPem, issuer: 'auth.docker.io', service: 'registry.docker.io', user: 'hubuser', password: 'hubpw' });
    reg = await startTestRegistry({ token: { realm: tokens.realm, service: 'registry.docker.io', issuer: 'auth.docker.io', certFile: join(dir, 'signer.pem') } });
  });
  after(async () => {
    await reg?.dispose();
    await tokens?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('"busybox" is docker.io/library/busybox:latest, fetched with a token for repository:library/busybox:pull', async () => {
    const bb = await busyboxImage();
    // Seed the stand-in with a token of our own.
    const tokenRes = await fetch(`${tokens.realm}?service=registry.docker.io&scope=repository:library/busybox:pull,push`, { headers: { authorization: `Basic ${Buffer.from('hubuser:hubpw').toString('base64')}` } });
    const { token } = (await tokenRes.json()) as { token: string };
    await pushImage(reg.url, 'library/busybox', 'latest', bb, { authorization: `Bearer ${token}` });
    tokens.requests.length = 0;
    const s = await tempStore();
    try {
      const p = await pull(s.store, 'busybox', { creds: { username: 'hubuser', password: 'hubpw' }, hosts: { overrides: { 'docker.io': reg.url } } });
      assert.equal(p.id, sha256(bb.config));
      assert.deepEqual((await s.store.get('busybox')).repoTags, ['docker.io/library/busybox:latest']);
      assert.equal(p.messages[0].status, 'Pulling from library/busybox');
      assert.equal(p.messages.at(-1)?.status, 'Status: Downloaded newer image for busybox:latest');
      assert.ok(tokens.requests.length >= 1);
      assert.deepEqual(tokens.requests[0].scopes, ['repository:library/busybox:pull']);
      assert.equal(tokens.requests[0].service, 'registry.docker.io');
    } finally {
      await s.dispose();
    }
  });

  test('without an override docker.io resolves to registry-1.docker.io over https only', async () => {
    const { resolveEndpoint } = await import('../../src/distribution/client/hosts.js');
    const e = resolveEndpoint('docker.io', { certsDirs: [] });
    assert.deepEqual(e.bases.map((b) => b.href), ['https://registry-1.docker.io/']);
    const local = resolveEndpoint('localhost:5000', { certsDirs: [] });
    assert.deepEqual(local.bases.map((b) => b.href), ['https://localhost:5000/', 'http://localhost:5000/']);
    const remote = resolveEndpoint('reg.example:5000', { certsDirs: [], insecure: ['10.0.0.0/8'] });
    assert.deepEqual(remote.bases.map((b) => b.href), ['https://reg.example:5000/']);
    const insecure = resolveEndpoint('reg.example:5000', { certsDirs: [], insecure: ['reg.example:5000'] });
    assert.equal(insecure.bases.length, 2);
  });
});
