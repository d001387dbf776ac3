import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { NetFixture } from './fixture.js';

const cid = () => randomBytes(32).toString('hex');

function httpGet(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get({ host, port, path: '/', timeout: 3000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

test('published ports: loopback, another host address from outside, hairpin; taken port refused; released on detach', async () => {
  const fx = new NetFixture();
  try {
    const svc = await fx.open();
    const netName = `p-${fx.tag}`;
    await svc.create({ Name: netName, IPAM: { Config: [{ Subnet: fx.subnet() }] } });
    const fixedPort = randomInt(20000, 30000);
    const web = cid();
    const rw = await svc.attach(web, {
      name: 'web', networkMode: netName,
      portBindings: { '80/tcp': [{ HostIp: '', HostPort: String(fixedPort) }] },
      publishAll: true, exposedPorts: { '80/tcp': {}, '8081/tcp': {} },
    });
    const random = Number(rw.settings.Ports['8081/tcp'][0].HostPort);
    assert.deepEqual(rw.settings.Ports['80/tcp'], [{ HostIp: '0.0.0.0', HostPort: String(fixedPort) }]);
    assert.ok(random >= 32768 && random <= 60999, `ephemeral port ${random}`);
    await fx.httpd(rw.netnsPath!, 80, 'web via port');
    await fx.httpd(rw.netnsPath!, 8081, 'second port');

    assert.equal(await httpGet('127.0.0.1', fixedPort), 'web via port');
    assert.equal(await httpGet('127.0.0.1', random), 'second port');

    // A client outside: its own namespace behind a veth whose host end carries a host address.
    const block = rw.settings.Networks[netName].Gateway.split('.').slice(0, 2).join('.');
    const hostIp = `${block}.250.1`;
    const clientNs = join(fx.root, 'client-ns');
    mkdirSync(fx.root, { recursive: true });
    writeFileSync(clientNs, '');
    execFileSync('unshare', [`--net=${clientNs}`, 'true']);
    fx.extraNetns.push(clientNs);
    const hostEnd = `wc${fx.tag}`;
    fx.extraLinks.push(hostEnd);
    execFileSync('ip', ['link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', clientNs]);
    execFileSync('ip', ['addr', 'add', `${hostIp}/30`, 'dev', hostEnd]);
    execFileSync('ip', ['link', 'set', hostEnd, 'up']);
    execFileSync('nsenter', [`--net=${clientNs}`, 'sh', '-c', `ip link set lo up && ip addr add ${block}.250.2/30 dev eth0 && ip link set eth0 up && ip route add default via ${hostIp}`]);
    assert.equal(await httpGet(hostIp, fixedPort), 'web via port'); // the host's own non-loopback address
    assert.equal(fx.inNs(clientNs, ['timeout', '3', 'busybox', 'wget', '-q', '-O', '-', `http://${hostIp}:${fixedPort}/`]).out, 'web via port');

    // hairpin: another container on the same network, and the container itself, through the host port
    const peer = await svc.attach(cid(), { name: 'peer', networkMode: netName });
    assert.equal(fx.inNs(peer.netnsPath!, ['timeout', '3', 'busybox', 'wget', '-q', '-O', '-', `http://${hostIp}:${fixedPort}/`]).out, 'web via port');
    assert.equal(fx.inNs(rw.netnsPath!, ['timeout', '3', 'busybox', 'wget', '-q', '-O', '-', `http://${hostIp}:${fixedPort}/`]).out, 'web via port');

    // the same host port again: dockerd's error, and the failed attach leaves nothing
    const loser = cid();
    await assert.rejects(
      svc.attach(loser, { name: 'loser', networkMode: netName, portBindings: { '80/tcp': [{ HostPort: String(fixedPort) }] } }),
      { message: `Bind for 0.0.0.0:${fixedPort} failed: port is already allocated` },
    );
    assert.equal(svc.attached(loser), undefined);
    assert.ok(!execFileSync('ip', ['-d', 'link'], { encoding: 'utf8' }).includes(loser));

    // detach releases the port: rules gone, and the port can be published again
    await svc.detach(web);
    assert.ok(!execFileSync('iptables-save', { encoding: 'utf8' }).includes(`--dport ${fixedPort} `));
    await assert.rejects(httpGet('127.0.0.1', fixedPort));
    const again = await svc.attach(cid(), { name: 'again', networkMode: netName, portBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(fixedPort) }] } });
    assert.deepEqual(again.settings.Ports['80/tcp'], [{ HostIp: '127.0.0.1', HostPort: String(fixedPort) }]);
  } finally {
    assert.deepEqual(await fx.cleanup(), []);
  }
});
