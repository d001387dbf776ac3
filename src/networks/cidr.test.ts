import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contains, formatCidr, formatIp, lastAddress, overlaps, parseCidr, parseIp } from './cidr.js';

test('parses and formats IPv4 addresses and subnets', () => {
  assert.equal(formatIp(parseIp('10.88.1.2')), '10.88.1.2');
  assert.equal(formatCidr(parseCidr('10.88.0.0/16')), '10.88.0.0/16');
  assert.equal(formatIp(lastAddress(parseCidr('10.88.0.0/16'))), '10.88.255.255');
  assert.throws(() => parseIp('10.300.0.1'), /invalid IP address/);
  assert.throws(() => parseCidr('10.88.0.1/16'), /it should be 10\.88\.0\.0\/16/);
  assert.throws(() => parseCidr('10.88.0.0/33'), /invalid CIDR/);
});

test('containment and overlap', () => {
  const a = parseCidr('10.88.0.0/16');
  assert.ok(contains(a, parseIp('10.88.200.1')));
  assert.ok(!contains(a, parseIp('10.89.0.1')));
  assert.ok(overlaps(a, parseCidr('10.88.5.0/24')));
  assert.ok(overlaps(parseCidr('10.0.0.0/8'), a));
  assert.ok(!overlaps(a, parseCidr('10.89.0.0/16')));
});

test("dockerd's --bip form: the bridge address with its prefix", async () => {
  const { parseBridgeIp } = await import('./cidr.js');
  const a = parseBridgeIp('10.47.0.1/16');
  assert.deepEqual([formatCidr(a.subnet), formatIp(a.gateway)], ['10.47.0.0/16', '10.47.0.1']);
  const b = parseBridgeIp('10.47.0.0/16');
  assert.deepEqual([formatCidr(b.subnet), formatIp(b.gateway)], ['10.47.0.0/16', '10.47.0.1']);
  const c = parseBridgeIp('10.47.3.254/24');
  assert.deepEqual([formatCidr(c.subnet), formatIp(c.gateway)], ['10.47.3.0/24', '10.47.3.254']);
});
