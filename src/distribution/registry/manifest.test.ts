import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RegistryError } from './errors.js';
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST, parseManifest } from './manifest.js';

const d = (c: string) => `sha256:${c.repeat(64)}`;
const desc = (c: string, mediaType = 'application/octet-stream') => ({ mediaType, digest: d(c), size: 1 });
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as RegistryError).code;
  }
  return 'no error';
};

test('image manifests name their config and layers, but not foreign layers', () => {
  const body = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: DOCKER_MANIFEST,
    config: desc('a', 'application/vnd.docker.container.image.v1+json'),
    layers: [desc('b'), { ...desc('c'), urls: ['https://example.invalid/layer'] }],
  }));
  const facts = parseManifest(body, DOCKER_MANIFEST);
  assert.equal(facts.mediaType, DOCKER_MANIFEST);
  assert.deepEqual(facts.blobs.map((b) => b.digest), [d('a'), d('b')]);
  assert.equal(facts.artifactType, 'application/vnd.docker.container.image.v1+json');
});

test('indexes name their children; subject and artifactType are read', () => {
  const body = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    artifactType: 'application/x-thing',
    manifests: [desc('1', OCI_MANIFEST), desc('2', OCI_MANIFEST)],
    subject: desc('3', OCI_MANIFEST),
  }));
  const facts = parseManifest(body, `${OCI_INDEX}; charset=utf-8`);
  assert.deepEqual(facts.children.map((c) => c.digest), [d('1'), d('2')]);
  assert.equal(facts.subject?.digest, d('3'));
  assert.equal(facts.artifactType, 'application/x-thing');
  const list = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [desc('1', DOCKER_MANIFEST)] }));
  assert.equal(parseManifest(list, DOCKER_MANIFEST_LIST).mediaType, DOCKER_MANIFEST_LIST);
  assert.equal(parseManifest(list).mediaType, OCI_INDEX, 'no type anywhere: inferred from the shape');
});

test('malformed manifests are MANIFEST_INVALID', () => {
  const ok = { schemaVersion: 2, mediaType: OCI_MANIFEST, config: desc('a'), layers: [] };
  assert.equal(code(() => parseManifest(Buffer.from('{'))), 'MANIFEST_INVALID');
  assert.equal(code(() => parseManifest(Buffer.from('[]'))), 'MANIFEST_INVALID');
  assert.equal(code(() => parseManifest(Buffer.from(JSON.stringify({ ...ok, schemaVersion: 1 })))), 'MANIFEST_INVALID');
  assert.equal(code(() => parseManifest(Buffer.from(JSON.stringify({ ...ok, config: { ...desc('a'), digest: 'sha256:zz' } })))), 'MANIFEST_INVALID');
  assert.equal(code(() => parseManifest(Buffer.from(JSON.stringify({ ...ok, layers: [{ ...desc('b'), size: -1 }] })))), 'MANIFEST_INVALID');
  assert.equal(code(() => parseManifest(Buffer.from(JSON.stringify(ok)), OCI_INDEX)), 'MANIFEST_INVALID');
  assert.equal(code(() => parseManifest(Buffer.from(JSON.stringify({ ...ok, mediaType: 'application/x-unknown' })))), 'MANIFEST_INVALID');
  assert.equal(code(() => parseManifest(Buffer.from(JSON.stringify(ok)), 'application/json')), 'no error');
});
