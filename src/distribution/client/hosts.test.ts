import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certsFor, isInsecure, resolveEndpoint } from './hosts.js';

test('plain HTTP only for loopback and configured insecure registries (names or CIDRs)', () => {
  assert.ok(isInsecure('localhost:5000', []));
  assert.ok(isInsecure('127.0.0.1:5000', []));
  assert.ok(isInsecure('[::1]:5000', []));
  assert.ok(!isInsecure('registry.example.com', []));
  assert.ok(isInsecure('registry.example.com:5000', ['registry.example.com:5000']));
  assert.ok(isInsecure('10.1.2.3:5000', ['10.0.0.0/8']));
  assert.ok(!isInsecure('11.1.2.3:5000', ['10.0.0.0/8']));
  assert.deepEqual(resolveEndpoint('docker.io', { certsDirs: [] }).bases.map(String), ['https://registry-1.docker.io/']);
  assert.deepEqual(resolveEndpoint('docker.io', { certsDirs: [], overrides: { 'docker.io': 'http://127.0.0.1:9' } }).bases.map(String), ['http://127.0.0.1:9/']);
});

test('certs.d: *.crt are CAs, a .cert/.key pair is the client certificate', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wharf-certsd-'));
  try {
    await mkdir(join(dir, 'reg:5000'));
    await writeFile(join(dir, 'reg:5000', 'ca.crt'), 'CA1');
    await writeFile(join(dir, 'reg:5000', 'extra.crt'), 'CA2');
    await writeFile(join(dir, 'reg:5000', 'client.cert'), 'CERT');
    await writeFile(join(dir, 'reg:5000', 'client.key'), 'KEY');
    assert.deepEqual(certsFor('reg:5000', [dir, join(dir, 'missing')]), { ca: ['CA1', 'CA2'], cert: 'CERT', key: 'KEY' });
    assert.deepEqual(certsFor('other:5000', [dir]), {});
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
