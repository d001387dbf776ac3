import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attachOptionsFrom } from './attach-options.js';

test('maps what the docker CLI sends for run -p/-P/--network/--ip/--dns/--add-host', () => {
  const opts = attachOptionsFrom({
    name: '/web',
    config: { Hostname: 'h1', ExposedPorts: { '80/tcp': {} }, MacAddress: '02:42:0a:00:00:09' },
    hostConfig: { NetworkMode: 'front', PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] }, PublishAllPorts: true, Dns: ['192.0.2.1'], ExtraHosts: ['db:10.0.0.5'] },
    networkingConfig: { EndpointsConfig: { front: { Aliases: ['www'], IPAMConfig: { IPv4Address: '10.5.0.9' } } } },
  });
  assert.equal(opts.name, 'web');
  assert.equal(opts.networkMode, 'front');
  assert.equal(opts.hostname, 'h1');
  assert.deepEqual(opts.endpointsConfig, { front: { Aliases: ['www'], IPAMConfig: { IPv4Address: '10.5.0.9' } } });
  assert.equal(opts.publishAll, true);
  assert.deepEqual(opts.extraHosts, ['db:10.0.0.5']);
  assert.equal(attachOptionsFrom({ name: 'x', config: {}, hostConfig: {} }).networkMode, 'default');
});
