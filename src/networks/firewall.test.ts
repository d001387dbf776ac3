import { test } from 'node:test';
import assert from 'node:assert/strict';
import { networkRules, portRules } from './firewall.js';
import type { NetworkRecord } from './types.js';

const net = (over: Partial<NetworkRecord> = {}): NetworkRecord => ({
  id: 'x', name: 'n', driver: 'bridge', created: '', internal: false, attachable: false, labels: {}, options: {},
  bridge: 'wh-x', subnet: '10.9.0.0/24', gateway: '10.9.0.1', ipamConfig: [], ipamOptions: {}, ipMasq: false, ...over,
});
const text = (rules: ReturnType<typeof networkRules>) => rules.map((r) => `${r.table} ${r.chain} ${r.spec.join(' ')}`);

test('masquerade only when switched on, never for internal networks', () => {
  const masq = 'nat WHARF-POSTROUTING -s 10.9.0.0/24 ! -o wh-x -j MASQUERADE';
  assert.ok(!text(networkRules(net())).includes(masq));
  assert.ok(text(networkRules(net({ ipMasq: true }))).includes(masq));
  assert.ok(!text(networkRules(net({ ipMasq: true, internal: true }))).includes(masq));
});

test('internal networks drop everything crossing the bridge; others accept explicitly (FORWARD may default to DROP)', () => {
  const internal = text(networkRules(net({ internal: true })));
  assert.ok(internal.includes('filter WHARF-FORWARD -i wh-x ! -o wh-x -j DROP'));
  assert.ok(internal.includes('filter WHARF-FORWARD ! -i wh-x -o wh-x -j DROP'));
  assert.ok(!internal.some((r) => r.includes('ACCEPT') && !r.includes('-i wh-x -o wh-x')));
  const open = text(networkRules(net()));
  assert.ok(open.includes('filter WHARF-FORWARD -i wh-x ! -o wh-x -j ACCEPT'));
  assert.ok(open.includes('filter WHARF-ISOLATION-2 -o wh-x -j DROP'));
  assert.ok(text(networkRules(net({ options: { 'com.docker.network.bridge.enable_icc': 'false' } }))).includes('filter WHARF-FORWARD -i wh-x -o wh-x -j DROP'));
});

test('same-bridge and reply traffic is accepted ahead of the isolation chain; traffic leaving the bridge only after it', () => {
  const open = networkRules(net());
  const inserted = open.filter((r) => r.insert).map((r) => `${r.chain} ${r.spec.join(' ')}`);
  assert.deepEqual(inserted, [
    'WHARF-FORWARD -o wh-x -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    'WHARF-FORWARD -i wh-x -o wh-x -j ACCEPT',
  ]);
  assert.ok(open.some((r) => !r.insert && r.spec.join(' ') === '-i wh-x ! -o wh-x -j ACCEPT'));
  const internal = networkRules(net({ internal: true })).filter((r) => r.insert).map((r) => r.spec.join(' '));
  assert.deepEqual(internal, ['-i wh-x -o wh-x -j ACCEPT']);
});

test('port rules DNAT to the container, restricted to the host address when one is given', () => {
  const rules = portRules([
    { hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80, proto: 'tcp', containerIp: '10.9.0.2' },
    { hostIp: '127.0.0.1', hostPort: 5353, containerPort: 53, proto: 'udp', containerIp: '10.9.0.2' },
  ]);
  assert.deepEqual(rules.map((r) => r.spec.join(' ')), [
    '-p tcp --dport 8080 -j DNAT --to-destination 10.9.0.2:80',
    '-d 127.0.0.1/32 -p udp --dport 5353 -j DNAT --to-destination 10.9.0.2:53',
  ]);
});
