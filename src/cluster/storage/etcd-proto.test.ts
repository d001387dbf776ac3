import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRange, decodeTxn, encodeRange, encodeTxn } from './etcd-proto.js';

// A tiny protobuf writer of the test's own, to build the messages etcd would send.
const varint = (n: bigint): number[] => {
  const out: number[] = [];
  while (n >= 0x80n) {
    out.push(Number(n & 0x7fn) | 0x80);
    n >>= 7n;
  }
  out.push(Number(n));
  return out;
};
const int = (field: number, n: number | bigint): number[] => [...varint(BigInt(field * 8)), ...varint(BigInt(n))];
const bytes = (field: number, b: number[] | string): number[] => {
  const data = typeof b === 'string' ? [...Buffer.from(b)] : b;
  return [...varint(BigInt(field * 8 + 2)), ...varint(BigInt(data.length)), ...data];
};
// etcd's header carries a random 64-bit cluster id: beyond 2^53, and it must not disturb the revision.
const header = (revision: number): number[] => [...int(1, 0xfedcba9876543210n), ...int(2, 12345n), ...int(3, revision), ...int(4, 7)];
const kv = (key: string, value: string, create: number, mod: number): number[] => [
  ...bytes(1, key),
  ...int(2, create),
  ...int(3, mod),
  ...int(4, 1),
  ...bytes(5, value),
];

test('a range request encodes its fields with etcd field numbers and skips defaults', () => {
  const b = encodeRange({ key: 'a', rangeEnd: 'b', limit: 300, revision: 2 ** 40 });
  assert.deepEqual([...b], [...bytes(1, 'a'), ...bytes(2, 'b'), ...int(3, 300), ...int(4, 2 ** 40)]);
  assert.deepEqual([...encodeRange({ key: 'k', keysOnly: true, countOnly: false })], [...bytes(1, 'k'), ...int(8, 1)]);
});

test('a txn request keeps a zero create_revision in its compare (a oneof member) and nests ops', () => {
  const b = encodeTxn({
    compare: [{ key: 'k', target: 'Create', result: 'Equal', revision: 0 }],
    success: [{ put: { key: 'k', value: 'é' } }],
    failure: [{ range: { key: 'k', keysOnly: true } }, { deleteRange: { key: 'k', prevKv: true } }],
  });
  const compare = [...int(2, 1), ...bytes(3, 'k'), ...int(5, 0)];
  const put = [...bytes(1, 'k'), ...bytes(2, 'é')];
  const expected = [
    ...bytes(1, compare),
    ...bytes(2, bytes(2, put)),
    ...bytes(3, bytes(1, [...bytes(1, 'k'), ...int(8, 1)])),
    ...bytes(3, bytes(3, [...bytes(1, 'k'), ...int(3, 1)])),
  ];
  assert.deepEqual([...b], expected);
  assert.deepEqual([...encodeTxn({ compare: [{ key: 'k', target: 'Mod', result: 'Greater', revision: 9 }], success: [] })], [...bytes(1, [...int(1, 1), ...int(2, 2), ...bytes(3, 'k'), ...int(6, 9)])]);
});

test('a range response decodes keys, UTF-8 values, revisions, more and count; unknown fields are skipped', () => {
  const msg = Buffer.from([
    ...bytes(1, header(2 ** 40 + 5)),
    ...bytes(2, kv('/r/a', '{"ü":1}', 3, 4)),
    ...bytes(99, 'future field'),
    ...bytes(2, kv('/r/b', '', 5, 6)),
    ...int(3, 1),
    ...int(4, 100_000),
  ]);
  assert.deepEqual(decodeRange(msg), {
    revision: 2 ** 40 + 5,
    kvs: [
      { key: '/r/a', value: '{"ü":1}', createRevision: 3, modRevision: 4 },
      { key: '/r/b', value: '', createRevision: 5, modRevision: 6 },
    ],
    more: true,
    count: 100_000,
  });
  assert.deepEqual(decodeRange(Buffer.alloc(0)), { revision: 0, kvs: [], more: false, count: 0 });
  assert.throws(() => decodeRange(Buffer.from([...bytes(2, kv('/r/a', 'v', 1, 1))].slice(0, 6))), /truncated/);
});

test('a txn response decodes success, a failure range and a delete with its previous value', () => {
  const failed = decodeTxn(Buffer.from([...bytes(1, header(50)), ...bytes(3, bytes(1, [...bytes(1, header(50)), ...bytes(2, kv('/k', '', 1, 40))]))]));
  assert.equal(failed.succeeded, false);
  assert.equal(failed.revision, 50);
  assert.equal(failed.responses[0].range?.kvs[0].modRevision, 40);
  const deleted = decodeTxn(
    Buffer.from([...bytes(1, header(51)), ...int(2, 1), ...bytes(3, bytes(3, [...bytes(1, header(51)), ...int(2, 1), ...bytes(3, kv('/k', 'last', 1, 40))]))]),
  );
  assert.equal(deleted.succeeded, true);
  assert.equal(deleted.revision, 51);
  assert.deepEqual(deleted.responses[0].deletedPrev, [{ key: '/k', value: 'last', createRevision: 1, modRevision: 40 }]);
});
