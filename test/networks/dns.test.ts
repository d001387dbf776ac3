import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { randomBytes, randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NetFixture } from './fixture.js';
import { buildReply, parseQuery, RCODE_NOERROR, RCODE_NXDOMAIN, TYPE_A } from '../../src/networks/dns/wire.js';

const cid = () => randomBytes(32).toString('hex');

/** A stand-in for the host's resolver, on a loopback address: knows one name, NXDOMAIN for the rest. */
async function startUpstream(): Promise<{ address: string; close: () => void; queries: string[] }> {
  const address = `127.${randomInt(100, 200)}.${randomInt(1, 250)}.${randomInt(1, 250)}`;
  const queries: string[] = [];
  const sock = createSocket('udp4');
  sock.on('message', (msg, rinfo) => {
    const q = parseQuery(msg);
    queries.push(q.question.name);
    const known = q.question.name === 'outside.example.test';
    const reply = buildReply(msg, q, known ? RCODE_NOERROR : RCODE_NXDOMAIN, known && q.question.type === TYPE_A ? [{ type: TYPE_A, ip: '192.0.2.7', ttl: 60 }] : []);
    sock.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => sock.bind(53, address, r));
  return { address, close: () => sock.close(), queries };
}

test('embedded DNS: names, aliases and short IDs on user networks; other names forwarded; other networks invisible', async () => {
  const fx = new NetFixture();
  const upstream = await startUpstream();
  try {
    writeFileSync(join(fx.root, 'resolv.conf'), `nameserver ${upstream.address}\nsearch example.test\n`);
    const svc = await fx.open();
    const net = `d-${fx.tag}`;
    const other = `o-${fx.tag}`;
    await svc.create({ Name: net, IPAM: { Config: [{ Subnet: fx.subnet() }] } });
    await svc.create({ Name: other, IPAM: { Config: [{ Subnet: fx.subnet() }] } });
    const web = cid();
    const rw = await svc.attach(web, { name: 'webserver', networkMode: net, endpointsConfig: { [net]: { Aliases: ['front'] } } });
    const rc = await svc.attach(cid(), { name: 'client', networkMode: net, dns: ['192.0.2.53'] });
    const ro = await svc.attach(cid(), { name: 'outsider', networkMode: other });
    const ipWeb = rw.settings.Networks[net].IPAddress as string;
    const gw = rc.settings.Networks[net].Gateway as string;
    assert.equal(rc.resolvConf, `nameserver ${gw}\nsearch example.test\noptions ndots:0\n`);

    const lookup = (ns: string, name: string, server: string) => fx.inNsAsync(ns, ['timeout', '5', 'busybox', 'nslookup', name, server]);
    for (const name of ['webserver', 'front', 'FRONT', web.slice(0, 12)]) {
      const r = await lookup(rc.netnsPath!, name, gw);
      assert.equal(r.status, 0, `${name}: ${r.out}`);
      assert.match(r.out, new RegExp(`Address:\\s+${ipWeb.replace(/\./g, '\\.')}\\b`), name);
    }
    // forwarded to the host's resolver (here a local stand-in), answer relayed back
    assert.match((await lookup(rc.netnsPath!, 'outside.example.test', gw)).out, /192\.0\.2\.7/);
    assert.ok(upstream.queries.includes('outside.example.test'));
    const missing = await lookup(rc.netnsPath!, 'nowhere.example.test', gw);
    assert.notEqual(missing.status, 0);
    assert.match(missing.out, /NXDOMAIN/);
    // a container on another network does not see these names
    const og = ro.settings.Networks[other].Gateway as string;
    assert.doesNotMatch((await lookup(ro.netnsPath!, 'webserver', og)).out, new RegExp(ipWeb.replace(/\./g, '\\.')));

    // nor through this network's server, which every bridge can reach via the host
    assert.doesNotMatch((await lookup(ro.netnsPath!, 'webserver', gw)).out, new RegExp(ipWeb.replace(/\./g, '\\.')));
    // names go away with the container
    await svc.detach(web);
    assert.doesNotMatch((await lookup(rc.netnsPath!, 'webserver', gw)).out, new RegExp(`Address:\\s+${ipWeb.replace(/\./g, '\\.')}\\b`));
    // the default bridge has no embedded DNS: the host's resolvers (loopback ones dropped), or --dns
    const rb = await svc.attach(cid(), { name: 'plain', networkMode: 'bridge', dns: ['192.0.2.53'] });
    assert.equal(rb.resolvConf, 'nameserver 192.0.2.53\nsearch example.test\n');
  } finally {
    upstream.close();
    assert.deepEqual(await fx.cleanup(), []);
  }
});
