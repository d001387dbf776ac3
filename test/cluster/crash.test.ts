/**
 * kill -9 of `wharf server` while clients write: on restart the SQLite store is consistent
 * (every object decodes, lists agree with gets, revisions keep increasing) and every write
 * the server acknowledged is there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiClient } from './api-client.js';
import { startServer } from './server-process.js';

test('kill -9 during concurrent writes leaves a consistent store with every acknowledged write', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-crash-'));
  try {
    let s = await startServer({ dataDir: dir });
    let api = apiClient(s.url, dir, s.token);
    const acked = new Set<string>();
    let stop = false;
    const writers = Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const name = `w${w}-${i}`;
        try {
          const r = await api({ method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { payload: 'x'.repeat(2000) } }) });
          if (r.status === 201) acked.add(name);
        } catch {
          return;
        }
      }
    });
    await new Promise((r) => setTimeout(r, 1500));
    await s.kill9();
    stop = true;
    await Promise.all(writers);
    assert.ok(acked.size > 20, `only ${acked.size} writes before the kill`);
    s = await startServer({ dataDir: dir });
    try {
      api = apiClient(s.url, dir, s.token);
      const list = (await api({ path: '/api/v1/namespaces/default/configmaps' })).json();
      const names = new Set<string>(list.items.map((i: { metadata: { name: string } }) => i.metadata.name));
      for (const n of acked) assert.ok(names.has(n), `acknowledged ${n} lost`);
      for (const item of list.items) assert.equal(item.data.payload.length, 2000);
      const after = await api({ method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-crash' } }) });
      assert.equal(after.status, 201);
      assert.ok(Number(after.json().metadata.resourceVersion) > Number(list.metadata.resourceVersion));
    } finally {
      await s.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a second server on the same embedded store refuses to start', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-lock-'));
  try {
    const first = await startServer({ dataDir: dir });
    try {
      await assert.rejects(startServer({ dataDir: dir, kubeconfig: join(dir, 'second.yaml') }), /another wharf server \(pid \d+\) is using this data directory/);
      assert.equal(first.kubectl(['get', 'ns', 'default', '-o', 'name']).stdout.trim(), 'namespace/default');
    } finally {
      await first.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
