import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOCKER_HUB_AUTH_KEY, lookupAuth, removeAuth, storeAuth } from './docker-config.js';

test('stores, finds and removes credentials in docker\'s config.json, keeping other keys', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wharf-dcfg-'));
  const env = { DOCKER_CONFIG: dir };
  try {
    await writeFile(join(dir, 'config.json'), JSON.stringify({ psFormat: 'table {{.ID}}', auths: { 'http://old.example:5000': { auth: Buffer.from('o:p').toString('base64') } } }));
    storeAuth('localhost:5000', 'alice', 'pw:with:colons', env);
    storeAuth('docker.io', 'hub', 'x', env);
    const cfg = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    assert.equal(cfg.psFormat, 'table {{.ID}}');
    assert.ok(cfg.auths[DOCKER_HUB_AUTH_KEY]);
    assert.deepEqual(lookupAuth('localhost:5000', env), { username: 'alice', password: 'pw:with:colons', serveraddress: 'localhost:5000' });
    assert.equal(lookupAuth('docker.io', env)?.username, 'hub');
    assert.equal(lookupAuth('old.example:5000', env)?.username, 'o', 'entries written with a scheme match');
    assert.equal(lookupAuth('nowhere:1', env), undefined);
    assert.equal(removeAuth('localhost:5000', env), true);
    assert.equal(removeAuth('localhost:5000', env), false);
    assert.equal(lookupAuth('localhost:5000', env), undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
