import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { selfSignedCert, signToken, tokenClaims } from './certs.js';
import { startTokenServer } from './token-server.js';
import { busyboxImage, pushImage, sha256, startTestRegistry, tempDir, tinyImage, writeOciLayout } from './helpers.js';

const skopeo = async (args: string[]): Promise<string> => (await promisify(execFile)('skopeo', args)).stdout;

test('htpasswd: 401 with a Basic challenge, 200 with good credentials, skopeo pushes with them', async () => {
  const dir = await tempDir('wharf-htpasswd-');
  const file = join(dir, 'htpasswd');
  // Entries made by Apache's own tool, as an operator would.
  await writeFile(file, execFileSync('htpasswd', ['-Bbn', 'alice', 's3cret'], { encoding: 'utf8' }));
  const reg = await startTestRegistry({ htpasswdFile: file });
  const basic = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });
  try {
    const anon = await fetch(`${reg.url}/v2/`);
    assert.equal(anon.status, 401);
    assert.match(anon.headers.get('www-authenticate')!, /^Basic realm="/);
    assert.equal(anon.headers.get('docker-distribution-api-version'), 'registry/2.0');
    assert.equal(((await anon.json()) as { errors: Array<{ code: string }> }).errors[0].code, 'UNAUTHORIZED');
    assert.equal((await fetch(`${reg.url}/v2/`, { headers: basic('alice', 'wrong') })).status, 401);
    assert.equal((await fetch(`${reg.url}/v2/`, { headers: basic('bob', 's3cret') })).status, 401);
    assert.equal((await fetch(`${reg.url}/v2/`, { headers: basic('alice', 's3cret') })).status, 200);
    assert.equal((await fetch(`${reg.url}/v2/x/tags/list`)).status, 401);

    const src = await tempDir('wharf-htpasswd-img-');
    try {
      await writeOciLayout(src, await busyboxImage(), 'latest');
      await assert.rejects(skopeo(['copy', '--dest-tls-verify=false', `oci:${src}:latest`, `docker://${reg.host}/private/bb:1`]));
      await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', 'alice:s3cret', `oci:${src}:latest`, `docker://${reg.host}/private/bb:1`]);
      const tags = await fetch(`${reg.url}/v2/private/bb/tags/list`, { headers: basic('alice', 's3cret') });
      assert.deepEqual(await tags.json(), { name: 'private/bb', tags: ['1'] });
    } finally {
      await rm(src, { recursive: true, force: true });
    }
  } finally {
    await reg.dispose();
    await rm(dir, { recursive: true, force: true });
  }
});

test('token auth: challenges with scope, checks signature, issuer, expiry and access claims', async () => {
  const dir = await tempDir('wharf-token-');
  const signer = await selfSignedCert('rsa', 'token-signer');
  const stranger = await selfSignedCert('rsa', 'someone-else');
  const certFile = join(dir, 'token.crt');
  await writeFile(certFile, signer.certPem);
  const token = { realm: 'https://auth.example.test/token', service: 'wharf-registry', issuer: 'wharf-test-issuer', certFile };
  const reg = await startTestRegistry({ token });
  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
  const grant = (access: Array<{ type: string; name: string; actions: string[] }>, over: Record<string, unknown> = {}) =>
    signToken(signer.key, { ...tokenClaims(token.issuer, token.service, access), ...over });
  try {
    const anon = await fetch(`${reg.url}/v2/`);
    assert.equal(anon.status, 401);
    assert.equal(anon.headers.get('www-authenticate'), `Bearer realm="${token.realm}",service="${token.service}"`);

    const scoped = await fetch(`${reg.url}/v2/team/app/tags/list`);
    assert.equal(scoped.status, 401);
    assert.equal(
      scoped.headers.get('www-authenticate'),
      `Bearer realm="${token.realm}",service="${token.service}",scope="repository:team/app:pull"`,
    );

    const pullOnly = grant([{ type: 'repository', name: 'team/app', actions: ['pull'] }]);
    const pushAll = grant([{ type: 'repository', name: 'team/app', actions: ['pull', 'push'] }]);
    assert.equal((await fetch(`${reg.url}/v2/`, { headers: bearer(pullOnly) })).status, 200);

    // Pull-only tokens cannot push: the challenge names the missing scope.
    const denied = await fetch(`${reg.url}/v2/team/app/blobs/uploads/`, { method: 'POST', headers: bearer(pullOnly) });
    assert.equal(denied.status, 401);
    assert.match(denied.headers.get('www-authenticate')!, /scope="repository:team\/app:pull,push",error="insufficient_scope"/);

    const img = tinyImage(1);
    await pushImage(reg.url, 'team/app', 'v1', img, bearer(pushAll));
    assert.equal((await fetch(`${reg.url}/v2/team/app/manifests/v1`, { headers: bearer(pullOnly) })).status, 200);
    // A token for another repository does not open this one.
    const otherRepo = grant([{ type: 'repository', name: 'team/other', actions: ['pull'] }]);
    assert.equal((await fetch(`${reg.url}/v2/team/app/manifests/v1`, { headers: bearer(otherRepo) })).status, 401);

    const rejected = [
      signToken(stranger.key, tokenClaims(token.issuer, token.service, [{ type: 'repository', name: 'team/app', actions: ['pull'] }])),
      grant([{ type: 'repository', name: 'team/app', actions: ['pull'] }], { iss: 'someone-else' }),
      grant([{ type: 'repository', name: 'team/app', actions: ['pull'] }], { aud: 'other-service' }),
      grant([{ type: 'repository', name: 'team/app', actions: ['pull'] }], { exp: Math.floor(Date.now() / 1000) - 3600 }),
      'not.a.token',
    ];
    for (const t of rejected) {
      const res = await fetch(`${reg.url}/v2/team/app/manifests/v1`, { headers: bearer(t) });
      assert.equal(res.status, 401, `token should be refused: ${t.slice(0, 20)}`);
      assert.match(res.headers.get('www-authenticate')!, /error="invalid_token"/);
    }

    // Mount needs pull on the source: without it the registry opens a plain upload session.
    const layer = sha256(img.layers[0]);
    const noSource = grant([{ type: 'repository', name: 'team/new', actions: ['pull', 'push'] }]);
    const fallback = await fetch(`${reg.url}/v2/team/new/blobs/uploads/?mount=${layer}&from=team/app`, { method: 'POST', headers: bearer(noSource) });
    assert.equal(fallback.status, 202);
    const withSource = grant([
      { type: 'repository', name: 'team/new', actions: ['pull', 'push'] },
      { type: 'repository', name: 'team/app', actions: ['pull'] },
    ]);
    const mounted = await fetch(`${reg.url}/v2/team/new/blobs/uploads/?mount=${layer}&from=team/app`, { method: 'POST', headers: bearer(withSource) });
    assert.equal(mounted.status, 201);

    // Catalog needs registry:catalog:*.
    assert.equal((await fetch(`${reg.url}/v2/_catalog`, { headers: bearer(pushAll) })).status, 401);
    const cat = grant([{ type: 'registry', name: 'catalog', actions: ['*'] }]);
    assert.deepEqual(await (await fetch(`${reg.url}/v2/_catalog`, { headers: bearer(cat) })).json(), { repositories: ['team/app', 'team/new'] });
  } finally {
    await reg.dispose();
    await rm(dir, { recursive: true, force: true });
  }
});

test('token auth with an ES256 certificate: skopeo gets a token from the realm and pushes', async () => {
  const dir = await tempDir('wharf-token-es-');
  const signer = await selfSignedCert('ec', 'token-signer-ec');
  const certFile = join(dir, 'token.crt');
  await writeFile(certFile, signer.certPem);
  const service = 'wharf-es';
  const issuer = 'wharf-es-issuer';
  const tokens = await startTokenServer((scopes) => signToken(signer.key, tokenClaims(issuer, service, scopes)));
  const realm = `http://127.0.0.1:${(tokens.address() as AddressInfo).port}/token`;
  const reg = await startTestRegistry({ token: { realm, service, issuer, certFile } });
  const src = await tempDir('wharf-token-img-');
  try {
    await writeOciLayout(src, await busyboxImage(), 'latest');
    await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', 'carol:pw', `oci:${src}:latest`, `docker://${reg.host}/es/busybox:1`]);
    const raw = JSON.parse(await skopeo(['inspect', '--raw', '--tls-verify=false', '--creds', 'carol:pw', `docker://${reg.host}/es/busybox:1`]));
    assert.equal(raw.schemaVersion, 2);
    await assert.rejects(skopeo(['inspect', '--raw', '--tls-verify=false', '--creds', 'carol:nope', `docker://${reg.host}/es/busybox:1`]));
  } finally {
    await reg.dispose();
    await new Promise((r) => tokens.close(r));
    await rm(dir, { recursive: true, force: true });
    await rm(src, { recursive: true, force: true });
  }
});

test('TLS: the registry serves HTTPS with the given certificate', async () => {
  const dir = await tempDir('wharf-tls-');
  const cert = await selfSignedCert('rsa', '127.0.0.1');
  await writeFile(join(dir, 'tls.crt'), cert.certPem);
  await writeFile(join(dir, 'tls.key'), cert.keyPem);
  const reg = await startTestRegistry({ tls: { certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') } });
  try {
    assert.ok(reg.url.startsWith('https://'));
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest(`${reg.url}/v2/`, { ca: cert.certPem }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 200);
    // skopeo verifies the chain with a certs.d-style folder holding the CA.
    const certsDir = join(dir, 'certs');
    await mkdir(certsDir);
    await writeFile(join(certsDir, 'ca.crt'), cert.certPem);
    const src = await tempDir('wharf-tls-img-');
    try {
      await writeOciLayout(src, await busyboxImage(), 'latest');
      await skopeo(['copy', '--dest-cert-dir', certsDir, `oci:${src}:latest`, `docker://${reg.host}/secure/bb:1`]);
      await assert.rejects(skopeo(['inspect', '--raw', `docker://${reg.host}/secure/bb:1`]), 'an unknown CA is refused');
      const raw = JSON.parse(await skopeo(['inspect', '--raw', '--cert-dir', certsDir, `docker://${reg.host}/secure/bb:1`]));
      assert.equal(raw.schemaVersion, 2);
    } finally {
      await rm(src, { recursive: true, force: true });
    }
  } finally {
    await reg.dispose();
    await rm(dir, { recursive: true, force: true });
  }
});
