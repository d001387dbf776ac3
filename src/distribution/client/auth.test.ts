import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { AuthSession, parseChallenge, repoScope } from './auth.js';

test('parses Bearer and Basic challenges with quoted, escaped and bare values', () => {
  assert.deepEqual(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"'), {
    scheme: 'bearer',
    params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' },
  });
  assert.deepEqual(parseChallenge('Basic realm="a \\"quoted\\" realm"'), { scheme: 'basic', params: { realm: 'a "quoted" realm' } });
  assert.deepEqual(parseChallenge('Bearer realm=http://x/t, service=s'), { scheme: 'bearer', params: { realm: 'http://x/t', service: 's' } });
  assert.equal(parseChallenge(undefined), undefined);
  assert.equal(repoScope('library/busybox', ['pull', 'push']), 'repository:library/busybox:pull,push');
});

test('a bearer token is fetched once per scope set, reused, and fetched again after a 401', async () => {
  let issued = 0;
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    seen.push(`${url.searchParams.get('service')} ${url.searchParams.getAll('scope').join(' ')} ${req.headers.authorization ?? ''}`);
    issued++;
    res.end(JSON.stringify({ token: `t${issued}`, expires_in: 300 }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const realm = `http://127.0.0.1:${(server.address() as { port: number }).port}/token`;
    const s = new AuthSession({ username: 'u', password: 'p' }, {});
    const scopes = [repoScope('a/b', ['pull'])];
    assert.equal(s.headerFor(scopes), undefined);
    assert.ok(await s.onUnauthorized(`Bearer realm="${realm}",service="svc",scope="repository:a/b:pull"`, scopes));
    assert.equal(s.headerFor(scopes), 'Bearer t1');
    assert.equal(s.headerFor(scopes), 'Bearer t1', 'reused');
    assert.equal(s.headerFor([repoScope('other', ['pull'])]), undefined, 'another scope needs its own token');
    assert.ok(await s.onUnauthorized(`Bearer realm="${realm}",service="svc"`, scopes));
    assert.equal(s.headerFor(scopes), 'Bearer t2', 'refreshed after a 401');
    assert.equal(seen[0], `svc repository:a/b:pull Basic ${Buffer.from('u:p').toString('base64')}`);
    // Basic: credentials are sent after the first challenge; a second 401 means they are wrong.
    const b = new AuthSession({ username: 'u', password: 'p' }, {});
    assert.ok(await b.onUnauthorized('Basic realm="r"', []));
    assert.equal(b.headerFor([]), `Basic ${Buffer.from('u:p').toString('base64')}`);
    assert.equal(await b.onUnauthorized('Basic realm="r"', []), false);
    assert.equal(await new AuthSession(undefined, {}).onUnauthorized('Basic realm="r"', []), false);
  } finally {
    server.close();
  }
});
