import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WharfError } from '../common/errors.js';
import { ociMounts, parseBind, parseMount } from './mount-points.js';

test('-v forms: named volume, host bind with options, anonymous', () => {
  assert.deepEqual(parseBind('data:/srv:ro'), { Type: 'volume', Name: 'data', Source: '', Destination: '/srv', Driver: 'local', Mode: 'ro', RW: false, Propagation: '', noCopy: false });
  const b = parseBind('/tmp:/h:rw,rslave');
  assert.equal(b.Type, 'bind');
  assert.equal(b.Propagation, 'rslave');
  assert.equal(b.RW, true);
  assert.equal(parseBind('/anon').anonymous, true);
});

test('-v rejects what dockerd rejects', () => {
  const bad = (s: string) => assert.throws(() => parseBind(s), (e: unknown) => e instanceof WharfError && e.kind === 'invalid-parameter' && e.message.startsWith(`invalid volume specification: '${s}'`));
  bad('data:relative');
  bad('a:b:c:d');
  bad('data:/x:bogus');
  bad('bad name:/x');
});

test('--mount: tmpfs options reach the OCI mount; unknown types are refused', () => {
  const t = parseMount({ Type: 'tmpfs', Target: '/run', TmpfsOptions: { SizeBytes: 4096, Mode: 0o700 } });
  assert.deepEqual(ociMounts([t])[0], { destination: '/run', source: 'tmpfs', type: 'tmpfs', options: ['nosuid', 'nodev', 'noexec', 'rw', 'size=4096', 'mode=700'] });
  assert.throws(() => parseMount({ Type: 'npipe', Target: '/x' }), /mount type unknown/);
  assert.throws(() => parseMount({ Type: 'tmpfs', Source: '/x', Target: '/y' }), /Source must not be specified/);
});

test('OCI mounts order parents before children', () => {
  const mounts = ociMounts([parseBind('/tmp:/a/b/c'), parseBind('/tmp:/a')]);
  assert.deepEqual(mounts.map((m) => m.destination), ['/a', '/a/b/c']);
});
