import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeProtobufObject } from './protobuf.js';

/** Minimal protobuf writer for the test: tags, varints and length-delimited fields. */
const varint = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
};
const ld = (field: number, bytes: Buffer | number[]): number[] => [...varint((field << 3) | 2), ...varint(bytes.length), ...bytes];
const str = (field: number, s: string): number[] => ld(field, Buffer.from(s));
const int = (field: number, n: number): number[] => [...varint(field << 3), ...varint(n)];

test('decodes a ConfigMap sent as protobuf by kubectl create', () => {
  const meta = [...str(1, 'cfg'), ...str(3, 'default'), ...ld(11, [...str(1, 'app'), ...str(2, 'web')])];
  const cm = [...ld(1, meta), ...ld(2, [...str(1, 'k'), ...str(2, 'v')])];
  const envelope = Buffer.from([0x6b, 0x38, 0x73, 0x00, ...ld(1, [...str(1, 'v1'), ...str(2, 'ConfigMap')]), ...ld(2, cm)]);
  assert.deepEqual(decodeProtobufObject(envelope), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default', labels: { app: 'web' } }, data: { k: 'v' } });
});

test('decodes ints, IntOrString and drops Go zero values', () => {
  const port = [...str(1, ''), ...str(2, 'TCP'), ...int(3, 80), ...ld(4, [...int(1, 1), ...str(3, 'http')]), ...int(5, 0)];
  const spec = ld(1, port);
  const svc = [...ld(1, str(1, 's')), ...ld(2, spec)];
  const envelope = Buffer.from([0x6b, 0x38, 0x73, 0x00, ...ld(1, [...str(1, 'v1'), ...str(2, 'Service')]), ...ld(2, svc)]);
  assert.deepEqual(decodeProtobufObject(envelope), { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ protocol: 'TCP', port: 80, targetPort: 'http' }] } });
});

test('rejects a body without the envelope', () => {
  assert.throws(() => decodeProtobufObject(Buffer.from('{}')), /envelope/);
});
