import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { NetFixture } from './fixture.js';

const cid = () => randomBytes(32).toString('hex');
const rulesOf = (instance: string, id: string) => execFileSync('iptables-save', { encoding: 'utf8' }).split('\n').filter((l) => l.includes(`wharf:${instance}:c:${id}`));

test('attachEarly: address, ports and namespace come first; interfaces and port rules by `ready`; detach removes them all', async () => {
  const fx = new NetFixture();
  try {
    const svc = await fx.open();
    await svc.create({ Name: `e-${fx.tag}`, IPAM: { Config: [{ Subnet: fx.subnet() }] } });
    const id = cid();
    const { result, ready } = await svc.attachEarly(id, {
      name: 'early', networkMode: `e-${fx.tag}`,
      portBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }], '81/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
    });
    const ip = result.settings.Networks[`e-${fx.tag}`].IPAddress as string;
    assert.match(ip, /^10\.\d+\.\d+\.2$/);
    assert.equal(result.settings.Ports['80/tcp'].length, 1);
    assert.ok(result.hostsEntries[0]!.startsWith(`${ip}\t`));
    // the namespace is already a namespace (the runtime can be given it now)
    assert.equal(fx.inNs(result.netnsPath!, ['ip', 'link', 'show', 'lo']).status, 0);
    await ready;
    assert.match(fx.inNs(result.netnsPath!, ['ip', 'addr', 'show', 'eth0']).out, new RegExp(`${ip.replace(/\./g, '\\.')}/24`));
    assert.match(fx.inNs(result.netnsPath!, ['ip', 'route']).out, /^default via /m);
    assert.equal(rulesOf(svc.instance, id).length, 2);
    // a port rule deleted behind Wharf's back: the exact removal fails as a whole, the tag sweep still takes the other
    const [first] = rulesOf(svc.instance, id);
    execFileSync('sh', ['-c', `iptables -t nat ${first!.replace(/^-A /, '-D ')}`]);
    assert.equal(rulesOf(svc.instance, id).length, 1);
    await svc.detach(id);
    assert.deepEqual(rulesOf(svc.instance, id), []);
    assert.equal(existsSync(result.netnsPath!), false);
    assert.equal(svc.attached(id), undefined);
  } finally {
    assert.deepEqual(await fx.cleanup(), []);
  }
});

test('attachEarly: kernel work that fails after the result rejects `ready` and leaves no record, namespace, link or rule', async () => {
  const fx = new NetFixture();
  try {
    const svc = await fx.open();
    await svc.create({ Name: `f-${fx.tag}`, IPAM: { Config: [{ Subnet: fx.subnet() }] } });
    const id = cid();
    const { result, ready } = await svc.attachEarly(id, {
      name: 'broken', networkMode: `f-${fx.tag}`,
      // not a MAC address: `ip` refuses it while plugging the endpoint in
      endpointsConfig: { [`f-${fx.tag}`]: { MacAddress: 'not-a-mac' } },
      portBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
    });
    assert.ok(result.netnsPath);
    await assert.rejects(ready);
    assert.equal(svc.attached(id), undefined);
    assert.equal(existsSync(result.netnsPath!), false);
    assert.deepEqual(rulesOf(svc.instance, id), []);
    assert.doesNotMatch(execFileSync('ip', ['-d', 'link', 'show'], { encoding: 'utf8' }), new RegExp(`wharf:${svc.instance}:c:${id}`));
    // the address is free again
    const again = await svc.attach(cid(), { name: 'again', networkMode: `f-${fx.tag}` });
    assert.equal(again.settings.Networks[`f-${fx.tag}`].IPAddress, result.settings.Networks[`f-${fx.tag}`].IPAddress);
  } finally {
    assert.deepEqual(await fx.cleanup(), []);
  }
});
