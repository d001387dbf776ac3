import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildNetworkRecord, type CreateContext } from './network-create.js';
import type { NetworkRecord } from './types.js';

const ctx = (existing: Partial<NetworkRecord>[] = [], over: Partial<CreateContext> = {}): CreateContext => ({
  existing: existing as NetworkRecord[], pools: ['10.48.0.0/22'], ipMasq: true, ...over,
});

test('bad create requests get dockerd status kinds and messages', () => {
  const cases: Array<[Record<string, any>, string, RegExp]> = [
    [{}, 'invalid-parameter', /network name must be specified/],
    [{ Name: 'a', Driver: 'overlay' }, 'not-found', /plugin "overlay" not found/],
    [{ Name: 'a', Driver: 'host' }, 'forbidden', /only one instance of "host" network is allowed/],
    [{ Name: 'taken' }, 'conflict', /network with name taken already exists/],
    [{ Name: 'a', IPAM: { Config: [{ Subnet: '10.1.0.5/16' }] } }, 'invalid-parameter', /it should be 10\.1\.0\.0\/16/],
    [{ Name: 'a', IPAM: { Config: [{ Subnet: '10.1.0.0/16', Gateway: '10.2.0.1' }] } }, 'invalid-parameter', /no matching subnet for gateway 10\.2\.0\.1/],
    [{ Name: 'a', IPAM: { Config: [{ Subnet: '10.1.0.0/16', IPRange: '10.3.0.0/24' }] } }, 'invalid-parameter', /not inside subnet/],
    [{ Name: 'a', IPAM: { Config: [{ Subnet: '10.9.0.0/16' }] } }, 'forbidden', /^Pool overlaps with other one on this address space$/],
    [{ Name: 'a', Options: { 'com.docker.network.bridge.name': 'way-too-long-bridge-name' } }, 'invalid-parameter', /invalid bridge name/],
  ];
  for (const [body, kind, message] of cases) {
    assert.throws(() => buildNetworkRecord(body, ctx([{ name: 'taken', subnet: '10.9.3.0/24' }])), (err: any) => err.kind === kind && message.test(err.message), JSON.stringify(body));
  }
});

test('automatic subnets skip existing networks and routed host subnets; options are kept', () => {
  const n = buildNetworkRecord({ Name: 'auto', Labels: { a: 'b' }, Options: { 'com.docker.network.bridge.enable_ip_masquerade': 'false' } }, ctx([{ name: 'x', subnet: '10.48.0.0/24' }], { hostRoutes: ['10.48.1.0/24'] }));
  assert.equal(n.subnet, '10.48.2.0/24');
  assert.equal(n.gateway, '10.48.2.1');
  assert.equal(n.ipMasq, false);
  assert.deepEqual(n.labels, { a: 'b' });
  assert.equal(n.bridge, `wh-${n.id.slice(0, 12)}`);
  assert.throws(() => buildNetworkRecord({ Name: 'full' }, ctx([{ name: 'x', subnet: '10.48.0.0/22' }])), /could not find an available, non-overlapping IPv4 address pool/);
});

test('default address pools in dockerd spelling carve blocks of the given size', async () => {
  const { parsePool } = await import('./network-create.js');
  assert.equal(parsePool('base=10.50.0.0/16,size=20').size, 20);
  assert.equal(parsePool('10.50.0.0/16').size, 24);
  assert.throws(() => parsePool('size=24'), /base is required/);
  assert.throws(() => parsePool('base=10.50.0.0/16,size=8'), /size must be/);
  const n = buildNetworkRecord({ Name: 'p' }, ctx([{ name: 'x', subnet: '10.50.0.0/24' }], { pools: ['base=10.50.0.0/16,size=20'] }));
  assert.equal(n.subnet, '10.50.16.0/20');
});
