import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerResolvConf, hostResolvConf } from './resolv-conf.js';

test('resolv.conf for containers: loopback resolvers dropped, --dns/--dns-search/--dns-option override, embedded DNS on user networks', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-resolv-'));
  try {
    const path = join(dir, 'resolv.conf');
    writeFileSync(path, '# generated\nnameserver 127.0.0.53\nnameserver 192.0.2.1\nsearch corp.example\noptions edns0\n');
    assert.equal(await hostResolvConf(path, {}), 'nameserver 192.0.2.1\nsearch corp.example\noptions edns0\n');
    assert.equal(await hostResolvConf(path, { dns: ['192.0.2.9'], dnsSearch: ['a.example'], dnsOptions: ['ndots:2'] }), 'nameserver 192.0.2.9\nsearch a.example\noptions ndots:2\n');
    writeFileSync(path, 'nameserver 127.0.0.53\n');
    assert.equal(await hostResolvConf(path, {}), 'nameserver 8.8.8.8\nnameserver 8.8.4.4\n'); // dockerd's fallback
    assert.equal(await containerResolvConf(path, {}, '127.0.0.11'), 'nameserver 127.0.0.11\noptions ndots:0\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
