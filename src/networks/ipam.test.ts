import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocateAddress, macForIp } from './ipam.js';
import type { NetworkRecord } from './types.js';

const net = (over: Partial<NetworkRecord> = {}): NetworkRecord => ({
  id: 'x', name: 'n', driver: 'bridge', created: '', internal: false, attachable: false, labels: {}, options: {},
  bridge: 'br', subnet: '10.9.0.0/24', gateway: '10.9.0.1', ipamConfig: [], ipamOptions: {}, ipMasq: false, ...over,
});

test('hands out the lowest free address, skipping the gateway and used ones', () => {
  assert.equal(allocateAddress(net(), new Set()), '10.9.0.2');
  assert.equal(allocateAddress(net(), new Set(['10.9.0.2'])), '10.9.0.3');
  assert.equal(allocateAddress(net({ ipRange: '10.9.0.128/25' }), new Set()), '10.9.0.128');
});

test('a requested address must be free and inside the subnet', () => {
  assert.equal(allocateAddress(net(), new Set(), '10.9.0.50'), '10.9.0.50');
  assert.throws(() => allocateAddress(net(), new Set(['10.9.0.50']), '10.9.0.50'), { message: 'Address already in use' });
  assert.throws(() => allocateAddress(net(), new Set(), '10.8.0.5'), /no configured subnet/);
});

test('a full network says so', () => {
  const used = new Set(Array.from({ length: 2 }, (_, i) => `10.9.0.${i + 2}`));
  assert.throws(() => allocateAddress(net({ subnet: '10.9.0.0/30', gateway: '10.9.0.1' }), used), /no available IPv4 addresses/);
  assert.equal(macForIp('10.9.0.2'), '02:42:0a:09:00:02');
});
