import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { NetFixture } from './fixture.js';

const cid = () => randomBytes(32).toString('hex');

test('two containers on a user network reach each other; other networks and internal ones are cut off', async () => {
  const fx = new NetFixture();
  try {
    const svc = await fx.open();
    const net1 = await svc.create({ Name: `n1-${fx.tag}`, IPAM: { Config: [{ Subnet: fx.subnet() }] }, Labels: { team: 'a' } });
    const net2 = await svc.create({ Name: `n2-${fx.tag}`, IPAM: { Config: [{ Subnet: fx.subnet() }] } });
    const internal = await svc.create({ Name: `in-${fx.tag}`, Internal: true, IPAM: { Config: [{ Subnet: fx.subnet() }] } });
    const [a, b, c, d] = [cid(), cid(), cid(), cid()];
    const ra = await svc.attach(a, { name: 'web', networkMode: `n1-${fx.tag}`, endpointsConfig: { [`n1-${fx.tag}`]: { Aliases: ['front'] } } });
    const rb = await svc.attach(b, { name: 'client', networkMode: net1.Id });
    const rc = await svc.attach(c, { name: 'other', networkMode: `n2-${fx.tag}` });
    const rd = await svc.attach(d, { name: 'sealed', networkMode: `in-${fx.tag}` });
    const ipA = ra.settings.Networks[`n1-${fx.tag}`].IPAddress as string;
    const ipD = rd.settings.Networks[`in-${fx.tag}`].IPAddress as string;
    assert.match(ipA, /^10\.\d+\.\d+\.2$/);
    assert.equal(ra.settings.Networks[`n1-${fx.tag}`].MacAddress, `02:42:${ipA.split('.').map((x) => Number(x).toString(16).padStart(2, '0')).join(':')}`);
    assert.deepEqual(ra.settings.Networks[`n1-${fx.tag}`].Aliases, ['front', a.slice(0, 12)]);
    assert.ok(ra.hostsEntries[0]!.startsWith(`${ipA}\t`));

    // inspect shows both endpoints; rm of a network in use is refused with dockerd's words
    const insp = await svc.inspect(`n1-${fx.tag}`);
    assert.deepEqual(Object.keys(insp.Containers).sort(), [a, b].sort());
    assert.equal(insp.Containers[a].Name, 'web');
    await assert.rejects(svc.remove(`n1-${fx.tag}`), { message: `error while removing network: network n1-${fx.tag} id ${net1.Id} has active endpoints` });
    assert.deepEqual((await svc.list({ label: ['team=a'] })).map((n) => n.Name), [`n1-${fx.tag}`]);

    await fx.httpd(ra.netnsPath!, 8000, 'hello from web');
    assert.equal(fx.inNs(rb.netnsPath!, ['busybox', 'ping', '-c', '1', '-W', '2', ipA]).status, 0);
    assert.equal(fx.inNs(rb.netnsPath!, ['timeout', '3', 'busybox', 'wget', '-q', '-O', '-', `http://${ipA}:8000/`]).out, 'hello from web');
    // a different user network cannot reach it, through the host or otherwise
    assert.notEqual(fx.inNs(rc.netnsPath!, ['timeout', '3', 'busybox', 'wget', '-q', '-O', '-', `http://${ipA}:8000/`]).status, 0);
    // internal: no default route, no way out; the container still has its own address
    assert.doesNotMatch(fx.inNs(rd.netnsPath!, ['ip', 'route']).out, /default/);
    assert.notEqual(fx.inNs(rd.netnsPath!, ['timeout', '3', 'busybox', 'wget', '-q', '-O', '-', `http://${ipA}:8000/`]).status, 0);
    assert.match(fx.inNs(rd.netnsPath!, ['ip', 'addr']).out, new RegExp(ipD.replace(/\./g, '\\.')));

    // detach removes the veth and the namespace and frees the address
    const hostVeth = svc.attached(b)!.endpoints[0]!.hostVeth;
    await svc.detach(b);
    await svc.detach(b); // idempotent
    assert.throws(() => execFileSync('ip', ['link', 'show', hostVeth], { stdio: 'ignore' }));
    const again = await svc.attach(cid(), { name: 'again', networkMode: `n1-${fx.tag}` });
    assert.equal(again.settings.Networks[`n1-${fx.tag}`].IPAddress, rb.settings.Networks[`n1-${fx.tag}`].IPAddress);
    void internal;
    void net2;
  } finally {
    assert.deepEqual(await fx.cleanup(), []);
  }
});

test('bad input: overlapping subnet, duplicate name, predefined networks, unknown network', async () => {
  const fx = new NetFixture();
  try {
    const svc = await fx.open();
    const subnet = fx.subnet();
    await svc.create({ Name: `ov-${fx.tag}`, IPAM: { Config: [{ Subnet: subnet, Gateway: subnet.replace('.0/24', '.254'), IPRange: subnet.replace('.0/24', '.128/25') }] }, Options: { 'com.docker.network.bridge.name': `wx${fx.tag}` } });
    await assert.rejects(svc.create({ Name: `ov2-${fx.tag}`, IPAM: { Config: [{ Subnet: subnet.replace('.0/24', '.0/25') }] } }), (err: any) => err.kind === 'forbidden' && err.message === 'Pool overlaps with other one on this address space');
    await assert.rejects(svc.create({ Name: `ov-${fx.tag}` }), (err: any) => err.kind === 'conflict' && err.message === `network with name ov-${fx.tag} already exists`);
    await assert.rejects(svc.remove('bridge'), { message: 'bridge is a pre-defined network and cannot be removed' });
    await assert.rejects(svc.inspect('nope-nope'), (err: any) => err.kind === 'not-found' && err.message === 'network nope-nope not found');
    const insp = await svc.inspect(`ov-${fx.tag}`);
    assert.deepEqual(insp.IPAM.Config, [{ Subnet: subnet, Gateway: subnet.replace('.0/24', '.254'), IPRange: subnet.replace('.0/24', '.128/25') }]);
    assert.match(execFileSync('ip', ['-br', 'addr', 'show', `wx${fx.tag}`], { encoding: 'utf8' }), new RegExp(subnet.replace('.0/24', '.254/24').replace(/\./g, '\\.')));
    const r = await svc.attach(cid(), { name: 'x', networkMode: `ov-${fx.tag}` });
    assert.equal(r.settings.Networks[`ov-${fx.tag}`].IPAddress, subnet.replace('.0/24', '.128'));
    const fixed = await svc.attach(cid(), { name: 'y', networkMode: `ov-${fx.tag}`, endpointsConfig: { [`ov-${fx.tag}`]: { IPAMConfig: { IPv4Address: subnet.replace('.0/24', '.7') } } } });
    assert.equal(fixed.settings.Networks[`ov-${fx.tag}`].IPAddress, subnet.replace('.0/24', '.7'));
    await assert.rejects(svc.attach(cid(), { name: 'z', networkMode: 'bridge', endpointsConfig: { bridge: { IPAMConfig: { IPv4Address: '10.1.1.1' } } } }), /user defined networks only/);
    // a failed attach leaves nothing behind
    assert.equal([...execFileSync('ip', ['-d', 'link', 'show'], { encoding: 'utf8' }).matchAll(new RegExp(`wharf:${svc.instance}:c:`, 'g'))].length, 2);
    // prune removes unused user networks only
    await svc.create({ Name: `unused-${fx.tag}` });
    assert.deepEqual((await svc.prune()).NetworksDeleted, [`unused-${fx.tag}`]);
  } finally {
    assert.deepEqual(await fx.cleanup(), []);
  }
});

test('a second daemon may not share a bridge the first one has containers on', async () => {
  const fx = new NetFixture();
  const other = new NetFixture();
  try {
    const svc = await fx.open({ defaultSubnet: `10.${fx.subnet().split('.')[1]}.${fx.subnet().split('.')[2]}.1/24` });
    const r = await svc.attach(cid(), { name: 'x', networkMode: 'bridge' });
    assert.equal(r.settings.Gateway, (await svc.inspect('bridge')).IPAM.Config[0].Gateway);
    assert.match(r.settings.Gateway, /\.1$/);
    await assert.rejects(other.open({ defaultBridge: `wt${fx.tag}` }), /bridge wt[0-9a-f]+ is in use by another Wharf daemon/);
  } finally {
    assert.deepEqual(await fx.cleanup(), []);
    assert.deepEqual(await other.cleanup(), []);
  }
});

test('networks and leases survive a daemon crash; reconcile removes what dead containers held', async () => {
  const fx = new NetFixture();
  try {
    let svc = await fx.open();
    await svc.create({ Name: `keep-${fx.tag}`, IPAM: { Config: [{ Subnet: fx.subnet() }] } });
    const [live, dead] = [cid(), cid()];
    const rl = await svc.attach(live, { name: 'live', networkMode: `keep-${fx.tag}`, portBindings: { '80/tcp': [{ HostPort: '' }] } });
    const rd = await svc.attach(dead, { name: 'dead', networkMode: `keep-${fx.tag}`, portBindings: { '81/tcp': [{ HostPort: '' }] } });
    const deadVeth = svc.attached(dead)!.endpoints[0]!.hostVeth;
    // crash: the process goes away without detaching; someone also deletes the bridge meanwhile
    await svc.close();
    execFileSync('ip', ['link', 'del', `wh-${(await svc.inspect(`keep-${fx.tag}`)).Id.slice(0, 12)}`]);
    svc = await fx.open();
    const insp = await svc.inspect(`keep-${fx.tag}`);
    assert.deepEqual(Object.keys(insp.Containers).sort(), [live, dead].sort());
    execFileSync('ip', ['link', 'show', `wh-${insp.Id.slice(0, 12)}`], { stdio: 'ignore' }); // re-created
    const { removed } = await svc.reconcile([live]);
    assert.deepEqual(removed, [dead]);
    assert.throws(() => execFileSync('ip', ['link', 'show', deadVeth], { stdio: 'ignore' }));
    assert.ok(!execFileSync('iptables-save', { encoding: 'utf8' }).includes(`${svc.instance}:c:${dead}`));
    assert.ok(execFileSync('iptables-save', { encoding: 'utf8' }).includes(`${svc.instance}:c:${live}`));
    assert.equal(svc.settings(live, `keep-${fx.tag}`).Networks[`keep-${fx.tag}`].IPAddress, rl.settings.Networks[`keep-${fx.tag}`].IPAddress);
    // the dead one's address is free again, the live one's is not
    const next = await svc.attach(cid(), { name: 'next', networkMode: `keep-${fx.tag}` });
    assert.equal(next.settings.Networks[`keep-${fx.tag}`].IPAddress, rd.settings.Networks[`keep-${fx.tag}`].IPAddress);
  } finally {
    assert.deepEqual(await fx.cleanup(), []);
  }
});

test('connect and disconnect: live interfaces for running containers, remembered for stopped ones', async () => {
  const fx = new NetFixture();
  try {
    const svc = await fx.open();
    const [n1, n2] = [`c1-${fx.tag}`, `c2-${fx.tag}`];
    await svc.create({ Name: n1, IPAM: { Config: [{ Subnet: fx.subnet() }] } });
    const sub2 = fx.subnet();
    await svc.create({ Name: n2, IPAM: { Config: [{ Subnet: sub2 }] } });
    const [a, b] = [cid(), cid()];
    const ra = await svc.attach(a, { name: 'a', networkMode: n1 });
    const rb = await svc.attach(b, { name: 'b', networkMode: n2 });
    const ipB = rb.settings.Networks[n2].IPAddress as string;
    assert.notEqual(fx.inNs(ra.netnsPath!, ['busybox', 'ping', '-c', '1', '-W', '1', ipB]).status, 0);

    const wanted = sub2.replace('.0/24', '.77');
    await svc.connect(n2, a, { Aliases: ['alpha'], IPAMConfig: { IPv4Address: wanted } });
    await assert.rejects(svc.connect(n2, a), { message: `endpoint with name a already exists in network ${n2}` });
    assert.match(fx.inNs(ra.netnsPath!, ['ip', '-br', 'addr', 'show', 'eth1']).out, new RegExp(wanted.replace(/\./g, '\\.')));
    assert.equal(fx.inNs(ra.netnsPath!, ['busybox', 'ping', '-c', '1', '-W', '2', ipB]).status, 0);
    assert.deepEqual(svc.settings(a, n1).Networks[n2].Aliases, ['alpha', a.slice(0, 12)]);
    assert.deepEqual(Object.keys((await svc.inspect(n2)).Containers).sort(), [a, b].sort());

    await svc.disconnect(n2, a);
    assert.notEqual(fx.inNs(ra.netnsPath!, ['ip', 'link', 'show', 'eth1']).status, 0);
    assert.deepEqual(Object.keys((await svc.inspect(n2)).Containers), [b]);
    await assert.rejects(svc.disconnect(n2, a), /is not connected to network/);

    // stopped container: connect is remembered and applied at the next start
    const c = cid();
    await svc.connect(n2, c, { Aliases: ['later'] });
    const stopped = svc.settings(c, n1);
    assert.deepEqual(Object.keys(stopped.Networks).sort(), [n1, n2].sort());
    assert.equal(stopped.Networks[n2].IPAddress, '');
    const rc = await svc.attach(c, { name: 'c', networkMode: n1 });
    assert.deepEqual(Object.keys(rc.settings.Networks).sort(), [n1, n2].sort());
    assert.equal(fx.inNs(rc.netnsPath!, ['busybox', 'ping', '-c', '1', '-W', '2', ipB]).status, 0);
    await svc.detach(c);
    await svc.disconnect(n2, c);
    const rc2 = await svc.attach(c, { name: 'c', networkMode: n1 });
    assert.deepEqual(Object.keys(rc2.settings.Networks), [n1]);
    await svc.forget(c);
    assert.equal(svc.attached(c), undefined);

    // leaving the first user network moves the embedded DNS to the next one
    await svc.connect(n2, a);
    await svc.disconnect(n1, a);
    const found = await fx.inNsAsync(ra.netnsPath!, ['timeout', '5', 'busybox', 'nslookup', 'b', '127.0.0.11']);
    assert.match(found.out, new RegExp(`Address:\\s+${ipB.replace(/\./g, '\\.')}\\b`), found.out);
  } finally {
    assert.deepEqual(await fx.cleanup(), []);
  }
});
