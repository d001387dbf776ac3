import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_HOST, resolveEndpoint } from './endpoint.js';

const noTls = { tls: false, tlsverify: false };

test('precedence: -H, then WHARF_HOST, then DOCKER_HOST, then the default socket', () => {
  assert.equal(resolveEndpoint([], noTls, {}).socketPath, '/run/wharf/wharf.sock');
  assert.equal(resolveEndpoint([], noTls, {}).url, DEFAULT_HOST);
  assert.equal(resolveEndpoint([], noTls, { DOCKER_HOST: 'unix:///d.sock' }).socketPath, '/d.sock');
  assert.equal(resolveEndpoint([], noTls, { DOCKER_HOST: 'unix:///d.sock', WHARF_HOST: 'unix:///w.sock' }).socketPath, '/w.sock');
  assert.equal(resolveEndpoint(['unix:///h.sock'], noTls, { WHARF_HOST: 'unix:///w.sock' }).socketPath, '/h.sock');
  assert.equal(resolveEndpoint([], noTls, { WHARF_HOST: '', DOCKER_HOST: '' }).url, DEFAULT_HOST);
});

test('tcp hosts and default ports', () => {
  const ep = resolveEndpoint(['tcp://127.0.0.1:2999'], noTls, {});
  assert.deepEqual([ep.hostname, ep.port, ep.tls], ['127.0.0.1', 2999, undefined]);
  assert.equal(resolveEndpoint(['tcp://example.test'], noTls, {}).port, 2375);
  assert.equal(resolveEndpoint(['tcp://[::1]:5'], noTls, {}).hostname, '::1');
  assert.throws(() => resolveEndpoint(['ssh://x'], noTls, {}), /unable to parse docker host/);
  assert.throws(() => resolveEndpoint(['a', 'b'], noTls, {}), /Specify only one -H/);
});

test('TLS from flags and from DOCKER_TLS_VERIFY / DOCKER_CERT_PATH', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wh-ep-'));
  try {
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(dir, f), f);
    const ep = resolveEndpoint(['tcp://h:1'], noTls, { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir });
    assert.equal(ep.tls?.rejectUnauthorized, true);
    assert.equal(ep.tls?.ca?.toString(), 'ca.pem');
    assert.equal(resolveEndpoint(['tcp://h'], { tls: true, tlsverify: false }, { DOCKER_CERT_PATH: dir }).port, 2376);
    assert.equal(resolveEndpoint(['tcp://h'], { tls: true, tlsverify: false }, { DOCKER_CERT_PATH: dir }).tls?.rejectUnauthorized, false);
    assert.throws(() => resolveEndpoint(['tcp://h:1'], { tls: false, tlsverify: true, tlscacert: join(dir, 'missing.pem') }, {}), /no such file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
