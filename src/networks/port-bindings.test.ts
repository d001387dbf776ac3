import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { allocatePorts, portRequests, portsMap } from './port-bindings.js';

test('PortBindings and -P become requests', () => {
  const reqs = portRequests({ '80/tcp': [{ HostIp: '', HostPort: '8080' }], '53/udp': [{ HostPort: '' }] }, true, { '80/tcp': {}, '443/tcp': {} });
  assert.deepEqual(reqs, [
    { hostIp: '0.0.0.0', hostPortLo: 8080, hostPortHi: 8080, containerPort: 80, proto: 'tcp' },
    { hostIp: '0.0.0.0', hostPortLo: 0, hostPortHi: 0, containerPort: 53, proto: 'udp' },
    { hostIp: '0.0.0.0', hostPortLo: 0, hostPortHi: 0, containerPort: 443, proto: 'tcp' },
  ]);
  assert.throws(() => portRequests({ 'x/tcp': [] }, false, null), /invalid port specification/);
  assert.throws(() => portRequests({ '80/tcp': [{ HostPort: '9-3' }] }, false, null), /invalid port specification/);
});

test('a port Wharf already gave out or another process holds is refused with dockerd message', async () => {
  await assert.rejects(
    allocatePorts([{ hostIp: '0.0.0.0', hostPortLo: 18080, hostPortHi: 18080, containerPort: 80, proto: 'tcp' }], [{ hostIp: '127.0.0.1', hostPort: 18080, containerPort: 81, proto: 'tcp' }]),
    { message: 'Bind for 0.0.0.0:18080 failed: port is already allocated' },
  );
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  try {
    await assert.rejects(allocatePorts([{ hostIp: '127.0.0.1', hostPortLo: port, hostPortHi: port, containerPort: 80, proto: 'tcp' }], []), /port is already allocated/);
  } finally {
    srv.close();
  }
  const random = await allocatePorts([{ hostIp: '0.0.0.0', hostPortLo: 0, hostPortHi: 0, containerPort: 80, proto: 'tcp' }], []);
  assert.ok(random[0]!.hostPort >= 1024);
  assert.deepEqual(portsMap(['80/tcp', '90/tcp'], random), { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: String(random[0]!.hostPort) }], '90/tcp': null });
});
