import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { RegistryClient } from './registry-client.js';

/**
 * A registry stand-in whose bearer tokens stop working when it says so (a token revoked or
 * expired while the client still holds it), with its token endpoint on the same server.
 */
test('a token the registry stops accepting is replaced after the 401 and the request retried', async () => {
  let issued = 0;
  const accepted = new Set<string>();
  const log: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === '/token') {
      const t = `tok${++issued}`;
      accepted.add(t);
      res.end(JSON.stringify({ token: t, expires_in: 300 }));
      return;
    }
    const auth = req.headers.authorization ?? '';
    log.push(`${url.pathname} ${auth}`);
    if (!accepted.has(auth.replace(/^Bearer /, ''))) {
      const port = (server.address() as { port: number }).port;
      res.writeHead(401, { 'www-authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="svc",scope="repository:a/b:pull"` }).end();
      return;
    }
    res.writeHead(200).end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as { port: number }).port;
    const client = new RegistryClient(`127.0.0.1:${port}`, { hosts: { certsDirs: [] } });
    const get = async () => {
      const res = await client.request({ method: 'GET', path: '/v2/a/b/manifests/x', scopes: ['repository:a/b:pull'] });
      res.resume();
      return res.statusCode;
    };
    assert.equal(await get(), 200);
    assert.equal(issued, 1);
    assert.equal(await get(), 200);
    assert.equal(issued, 1, 'reused');
    accepted.clear(); // the registry no longer takes tok1
    assert.equal(await get(), 200);
    assert.equal(issued, 2, 'refreshed after the 401');
    assert.deepEqual(log.slice(-2), ['/v2/a/b/manifests/x Bearer tok1', '/v2/a/b/manifests/x Bearer tok2']);
  } finally {
    server.close();
    server.closeAllConnections();
  }
});
