import { createServer, type Server } from 'node:http';

export interface GrantedScope {
  type: string;
  name: string;
  actions: string[];
}

/** A minimal token service: checks basic credentials and grants every requested scope. */
export function startTokenServer(sign: (scopes: GrantedScope[]) => string, user = 'carol', password = 'pw'): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    const auth = req.headers.authorization ?? '';
    if (auth !== `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`) {
      res.writeHead(401).end();
      return;
    }
    const scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean).map((s) => {
      const [type, ...rest] = s.split(':');
      const actions = rest.pop()!.split(',');
      return { type, name: rest.join(':'), actions };
    });
    const t = sign(scopes);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: t, access_token: t, expires_in: 300 }));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

