/** Raw HTTPS requests to a test server (CA-verified), for status codes kubectl hides. */
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface RawRequest {
  method?: string;
  path: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  token?: string | null;
}

export function apiClient(url: string, dataDir: string, token: string) {
  const ca = readFileSync(join(dataDir, 'tls', 'server-ca.crt'));
  return (r: RawRequest): Promise<RawResponse> =>
    new Promise((resolve, reject) => {
      const u = new URL(r.path, url);
      const headers: Record<string, string> = { Accept: 'application/json', ...(r.headers ?? {}) };
      const tok = r.token === undefined ? token : r.token;
      if (tok) headers.Authorization = `Bearer ${tok}`;
      if (r.body !== undefined && !headers['Content-Type']) headers['Content-Type'] = 'application/json';
      const req = request(u, { method: r.method ?? 'GET', ca, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      if (r.body !== undefined) req.write(r.body);
      req.end();
    });
}

export interface WatchStream {
  events: { type: string; object: any }[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  status: Promise<number>;
  ended: Promise<void>;
  waitFor(n: number, ms?: number): Promise<void>;
  close(): void;
}

/** Opens a watch and collects its newline-delimited events as they arrive. */
export function watchStream(url: string, dataDir: string, token: string, path: string, headers: Record<string, string> = {}): WatchStream {
  const ca = readFileSync(join(dataDir, 'tls', 'server-ca.crt'));
  const events: WatchStream['events'] = [];
  let buf = '';
  let resolveStatus!: (n: number) => void;
  let resolveEnd!: () => void;
  const status = new Promise<number>((r) => (resolveStatus = r));
  const ended = new Promise<void>((r) => (resolveEnd = r));
  const req = request(new URL(path, url), { ca, headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', ...headers } }, (res) => {
    resolveStatus(res.statusCode ?? 0);
    res.setEncoding('utf8');
    res.on('data', (d: string) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.trim()) events.push(JSON.parse(line));
      }
    });
    res.on('end', resolveEnd);
    res.on('error', () => resolveEnd());
  });
  req.on('error', () => {
    resolveStatus(0);
    resolveEnd();
  });
  req.end();
  return {
    events,
    status,
    ended,
    async waitFor(n, ms = 10_000) {
      const end = Date.now() + ms;
      while (events.length < n) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${n} watch events; got ${JSON.stringify(events.map((e) => e.type))}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close() {
      req.destroy();
    },
  };
}
