import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_CAPABILITIES, DEFAULT_CAPABILITIES, hostCapabilities, normalizeCapability, resolveCapabilities } from './capabilities.js';

const all = [...ALL_CAPABILITIES];

test('Docker grants 14 capabilities by default', () => {
  assert.equal(DEFAULT_CAPABILITIES.length, 14);
  assert.deepEqual(resolveCapabilities([], [], false, all), [...DEFAULT_CAPABILITIES]);
});

test('names are case-insensitive, with or without CAP_', () => {
  assert.equal(normalizeCapability('net_admin'), 'CAP_NET_ADMIN');
  assert.equal(normalizeCapability('Cap_Sys_Admin'), 'CAP_SYS_ADMIN');
  assert.equal(normalizeCapability('all'), 'ALL');
  assert.throws(() => normalizeCapability('FLY'), { message: 'unknown capability: "CAP_FLY"' });
});

test('add and drop', () => {
  const caps = resolveCapabilities(['NET_ADMIN'], ['chown', 'CAP_KILL'], false, all);
  assert.ok(caps.includes('CAP_NET_ADMIN'));
  assert.ok(!caps.includes('CAP_CHOWN'));
  assert.ok(!caps.includes('CAP_KILL'));
  assert.equal(caps.length, 13);
});

test('drop ALL then add some; add ALL then drop some', () => {
  assert.deepEqual(resolveCapabilities(['chown'], ['ALL'], false, all), ['CAP_CHOWN']);
  const most = resolveCapabilities(['ALL'], ['SYS_ADMIN'], false, all);
  assert.equal(most.length, all.length - 1);
  assert.ok(!most.includes('CAP_SYS_ADMIN'));
});

test('privileged and ALL mean what the host can grant', () => {
  const status = 'Name:\tx\nCapBnd:\t0000000000000003\n';
  assert.deepEqual(hostCapabilities(status), ['CAP_CHOWN', 'CAP_DAC_OVERRIDE']);
  assert.deepEqual(resolveCapabilities([], [], true, ['CAP_CHOWN']), ['CAP_CHOWN']);
});
