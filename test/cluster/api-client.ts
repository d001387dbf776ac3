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
