import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export type Fault =
  /** Send half the body, then cut the connection (once). */
  | { kind: 'drop-once' }
  /** Replace the body with these bytes (same status and headers otherwise). */
  | { kind: 'replace'; body: Buffer }
  /** Always send only the first `bytes` bytes, then cut the connection. */
  | { kind: 'truncate'; bytes: number };

export interface FaultProxy {
  url: string;
  host: string;
  /** Faults by request path (e.g. "/v2/x/blobs/sha256:…"). */
  faults: Map<string, Fault>;
  /** Every request seen: method, path and Range header. */
  seen: Array<{ method: string; path: string; range?: string }>;
  close(): Promise<void>;
}

/** An HTTP proxy in front of a registry that injects faults into chosen responses (a fake only to inject faults). */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const faults = new Map<string, Fault>();
  const seen: FaultProxy['seen'] = [];
  const t = new URL(target);
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    seen.push({ method: req.method ?? 'GET', path, range: req.headers.range });
    const fault = req.method === 'GET' ? faults.get(path) : undefined;
    const up = request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: { ...req.headers, host: t.host } }, (ur) => {
      if (!fault) {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      ur.on('data', (c: Buffer) => chunks.push(c));
      ur.on('end', () => {
        const body = Buffer.concat(chunks);
        if (fault.kind === 'replace') {
          // Served as a success even where the registry has nothing (manifests only the fake knows).
          const { 'docker-content-digest': _d, ...headers } = ur.headers;
          void _d;
          res.writeHead(200, { ...headers, 'content-length': String(fault.body.length) });
          res.end(fault.body);
          return;
        }
        const cut = fault.kind === 'drop-once' ? Math.floor(body.length / 2) : fault.bytes;
        if (fault.kind === 'drop-once') faults.delete(path);
        res.writeHead(ur.statusCode ?? 200, ur.headers);
        res.write(body.subarray(0, cut), () => setTimeout(() => res.socket?.destroy(), 20));
      });
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    faults,
    seen,
    close: () => new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    }),
  };
}
