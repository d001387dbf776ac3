import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeFixture } from '../runtime/fixture.js';
import { NetFixture } from './fixture.js';

/**
 * The interface the container service uses, end to end with real runc containers: attach
 * gives the namespace path and the resolv.conf; the containers run in those namespaces and
 * one reaches the other by name through the embedded DNS.
 */
test('runc containers in attached namespaces find and reach each other by name', async () => {
  const net = new NetFixture();
  const rt = await RuntimeFixture.create();
  try {
    const svc = await net.open();
    const netName = `r-${net.tag}`;
    await svc.create({ Name: netName, IPAM: { Config: [{ Subnet: net.subnet() }] } });
    const www = join(net.root, 'www');
    mkdirSync(www, { recursive: true });
    writeFileSync(join(www, 'index.html'), 'served by runc');

    const serverId = rt.newId();
    const server = await svc.attach(serverId, { name: 'webserver', networkMode: netName });
    const spec = await rt.runtime.buildSpec(rt.input(serverId, {
      args: ['httpd', '-f', '-p', '80', '-h', '/www'],
      network: { mode: 'path', path: server.netnsPath! },
      mounts: [{ destination: '/www', source: www, type: 'bind', options: ['rbind', 'ro'] }],
    }));
    await rt.runtime.create({ id: serverId, bundle: rt.bundle(serverId), spec, logPath: rt.logPath(serverId), tty: false, openStdin: false });
    await rt.runtime.start(serverId);

    const clientId = rt.newId();
    const client = await svc.attach(clientId, { name: 'client', networkMode: netName });
    const resolv = join(net.root, 'client-resolv.conf');
    writeFileSync(resolv, client.resolvConf!);
    const hosts = join(net.root, 'client-hosts');
    writeFileSync(hosts, `127.0.0.1\tlocalhost\n${client.hostsEntries.join('\n')}\n`);
    const script = 'for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O - http://webserver/ && exit 0; sleep 0.2; done; exit 1';
    const clientSpec = await rt.runtime.buildSpec(rt.input(clientId, {
      args: ['sh', '-c', script],
      network: { mode: 'path', path: client.netnsPath! },
      mounts: [
        { destination: '/etc/resolv.conf', source: resolv, type: 'bind', options: ['rbind', 'ro'] },
        { destination: '/etc/hosts', source: hosts, type: 'bind', options: ['rbind', 'ro'] },
      ],
    }));
    await rt.runtime.create({ id: clientId, bundle: rt.bundle(clientId), spec: clientSpec, logPath: rt.logPath(clientId), tty: false, openStdin: false });
    await rt.runtime.start(clientId);
    const { code } = await rt.runtime.waitExit(clientId);
    const r = { code, ...(await rt.logs(clientId)) };
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'served by runc');
    await svc.detach(clientId);
  } finally {
    const leaks = await rt.cleanup();
    assert.deepEqual(await net.cleanup(), []);
    assert.deepEqual(leaks, []);
  }
});
