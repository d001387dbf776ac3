import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { busyboxRootfsTar } from '../support/busybox-rootfs.js';
import { startDockerd } from '../support/daemons.js';
import { selfSignedCert, signToken, tokenClaims } from './certs.js';
import { startTestRegistry, tempDir } from './helpers.js';
import { startTokenServer } from './token-server.js';
import type { AddressInfo } from 'node:net';

/** Runs the docker CLI against a daemon, asynchronously (the registry shares this process). */
function docker(host: string, args: string[], stdin?: Buffer, env?: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile('/usr/local/bin/docker', ['-H', host, ...args], { maxBuffer: 64 << 20, env: env ?? process.env }, (err, stdout, stderr) => {
      if (err) reject(new Error(`docker ${args.join(' ')}: ${stderr || err.message}`));
      else resolve({ stdout, stderr });
    });
    if (stdin) child.stdin!.end(stdin);
  });
}

test("Docker's daemon pushes to and pulls from the registry, and the pulled image runs", async () => {
  const reg = await startTestRegistry();
  const dockerd = await startDockerd();
  try {
    const h = dockerd.host;
    const ref = `${reg.host}/wharf/busybox:1`;
    await docker(h, ['import', '-c', 'CMD ["/bin/sh"]', '-', ref], await busyboxRootfsTar());
    const pushed = await docker(h, ['push', ref]);
    const digest = /digest: (sha256:[0-9a-f]{64})/.exec(pushed.stdout)?.[1];
    assert.ok(digest, `push prints the digest: ${pushed.stdout}`);
    const head = await fetch(`${reg.url}/v2/wharf/busybox/manifests/1`, { method: 'HEAD' });
    assert.equal(head.headers.get('docker-content-digest'), digest);
    assert.equal(head.headers.get('content-type'), 'application/vnd.docker.distribution.manifest.v2+json');

    // A second repository gets the layer by cross-repository mount.
    const other = `${reg.host}/team/copy:2`;
    await docker(h, ['tag', ref, other]);
    const mounted = await docker(h, ['push', other]);
    assert.match(mounted.stdout, /Mounted from wharf\/busybox/);

    await docker(h, ['rmi', ref, other]);
    const pulled = await docker(h, ['pull', ref]);
    assert.match(pulled.stdout, new RegExp(`Digest: ${digest}`));
    const ran = await docker(h, ['run', '--rm', '--network', 'none', ref, 'echo', 'hello from wharf registry']);
    assert.equal(ran.stdout.trim(), 'hello from wharf registry');
    const byDigest = await docker(h, ['pull', `${reg.host}/team/copy@${digest}`]);
    assert.match(byDigest.stdout, /Digest: sha256:/);
  } finally {
    await dockerd.stop();
    await reg.dispose();
  }
});

test("Docker's daemon logs in with htpasswd credentials, then pushes and pulls", async () => {
  const dir = await tempDir('wharf-docker-auth-');
  await writeFile(join(dir, 'htpasswd'), execFileSync('htpasswd', ['-Bbn', 'dave', 'hunter2'], { encoding: 'utf8' }));
  const reg = await startTestRegistry({ htpasswdFile: join(dir, 'htpasswd') });
  const dockerd = await startDockerd();
  // The CLI keeps credentials in DOCKER_CONFIG: a private one, not the host's.
  const env = { ...process.env, DOCKER_CONFIG: join(dir, 'docker-config') };
  try {
    const h = dockerd.host;
    const ref = `${reg.host}/private/busybox:auth`;
    await docker(h, ['import', '-', ref], await busyboxRootfsTar(), env);
    await assert.rejects(docker(h, ['push', ref], undefined, env), /no basic auth credentials|unauthorized|authentication required/);
    await assert.rejects(docker(h, ['login', '-u', 'dave', '--password-stdin', reg.host], Buffer.from('wrong'), env), /unauthorized|401/i);
    const login = await docker(h, ['login', '-u', 'dave', '--password-stdin', reg.host], Buffer.from('hunter2'), env);
    assert.match(login.stdout, /Login Succeeded/);
    await docker(h, ['push', ref], undefined, env);
    await docker(h, ['rmi', ref], undefined, env);
    await docker(h, ['pull', ref], undefined, env);
    const ran = await docker(h, ['run', '--rm', '--network', 'none', ref, 'sh', '-c', 'echo pulled with auth'], undefined, env);
    assert.equal(ran.stdout.trim(), 'pulled with auth');
  } finally {
    await dockerd.stop();
    await reg.dispose();
    await rm(dir, { recursive: true, force: true });
  }
});

test("Docker's daemon follows the Bearer token flow: login at the realm, push and pull with scoped tokens", async () => {
  const dir = await tempDir('wharf-docker-token-');
  const signer = await selfSignedCert('rsa', 'docker-token-signer');
  await writeFile(join(dir, 'token.crt'), signer.certPem);
  const service = 'wharf-docker-test';
  const issuer = 'wharf-docker-issuer';
  const granted: string[] = [];
  const tokens = await startTokenServer((scopes) => {
    granted.push(...scopes.map((s) => `${s.type}:${s.name}:${s.actions.join(',')}`));
    return signToken(signer.key, tokenClaims(issuer, service, scopes));
  }, 'erin', 'tokenpw');
  const realm = `http://127.0.0.1:${(tokens.address() as AddressInfo).port}/token`;
  const reg = await startTestRegistry({ token: { realm, service, issuer, certFile: join(dir, 'token.crt') } });
  const dockerd = await startDockerd();
  const env = { ...process.env, DOCKER_CONFIG: join(dir, 'docker-config') };
  try {
    const h = dockerd.host;
    const ref = `${reg.host}/tokened/busybox:t`;
    await docker(h, ['import', '-', ref], await busyboxRootfsTar(), env);
    const login = await docker(h, ['login', '-u', 'erin', '--password-stdin', reg.host], Buffer.from('tokenpw'), env);
    assert.match(login.stdout, /Login Succeeded/);
    await docker(h, ['push', ref], undefined, env);
    const pushScope = granted.find((g) => g.startsWith('repository:tokened/busybox:'));
    assert.deepEqual(pushScope?.split(':')[2].split(',').sort(), ['pull', 'push'], `scopes asked for: ${granted.join(' ')}`);
    await docker(h, ['rmi', ref], undefined, env);
    await docker(h, ['pull', ref], undefined, env);
    const ran = await docker(h, ['run', '--rm', '--network', 'none', ref, 'echo', 'token ok'], undefined, env);
    assert.equal(ran.stdout.trim(), 'token ok');
  } finally {
    await dockerd.stop();
    await reg.dispose();
    await new Promise((r) => tokens.close(r));
    await rm(dir, { recursive: true, force: true });
  }
});
