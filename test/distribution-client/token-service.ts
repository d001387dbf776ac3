import { createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';

export interface TokenService {
  server: Server;
  realm: string;
  /** Every request it got: scopes asked and whether the credentials were good. */
  requests: Array<{ scopes: string[]; service: string | null; ok: boolean }>;
  /** Changes the lifetime (seconds) of tokens issued from now on. */
  setLifetime(seconds: number): void;
  close(): Promise<void>;
}

/**
 * A small token service as Docker's registry expects: checks Basic credentials, grants the
 * requested scopes, signs an RS256 JWT whose header carries the certificate chain (x5c).
 */
export async function startTokenService(opts: { key: KeyObject; certPem: string; issuer: string; service: string; user: string; password: string; lifetime?: number }): Promise<TokenService> {
  const der = Buffer.from(opts.certPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64').toString('base64');
  const requests: TokenService['requests'] = [];
  let lifetime = opts.lifetime ?? 300;
  const server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    const scopes = url.searchParams.getAll('scope');
    const ok = req.headers.authorization === `Basic ${Buffer.from(`${opts.user}:${opts.password}`).toString('base64')}`;
    requests.push({ scopes, service: url.searchParams.get('service'), ok });
    if (!ok) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"incorrect username or password"}');
      return;
    }
    const access = scopes.flatMap((s) => s.split(' ')).filter(Boolean).map((s) => {
      const parts = s.split(':');
      const actions = parts.pop()!.split(',');
      return { type: parts[0], name: parts.slice(1).join(':'), actions };
    });
    const now = Math.floor(Date.now() / 1000);
    const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const input = `${enc({ alg: 'RS256', typ: 'JWT', x5c: [der] })}.${enc({ iss: opts.issuer, sub: opts.user, aud: opts.service, iat: now, nbf: now - 5, exp: now + lifetime, jti: randomBytes(8).toString('hex'), access })}`;
    const token = `${input}.${sign('sha256', Buffer.from(input), opts.key).toString('base64url')}`;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, access_token: token, expires_in: lifetime }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  void createHash;
  return {
    server,
    realm: `http://127.0.0.1:${port}/token`,
    requests,
    setLifetime: (n) => (lifetime = n),
    close: () => new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    }),
  };
}
