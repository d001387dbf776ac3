import { readFile, mkdir } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { BasicAuthorizer, OpenAuthorizer, TokenAuthorizer, type Authorizer } from './auth/authorizer.js';
import { Htpasswd } from './auth/htpasswd.js';
import { loadVerificationKeys } from './auth/jwt.js';
import type { RegistryServices } from './http/context.js';
import { createRegistryHandler } from './http/dispatch.js';
import { BlobStore } from './storage/blob-store.js';
import { RegistryLayout } from './storage/layout.js';
import { RepoStore } from './storage/repo-store.js';
import { UploadStore } from './storage/upload-store.js';

export interface RegistryOptions {
  /** Storage root. */
  root: string;
  /** `host:port`; port 0 picks a free one. Default 127.0.0.1:5000. */
  addr?: string;
  htpasswdFile?: string;
  tls?: { certFile: string; keyFile: string };
  token?: { realm: string; service: string; issuer: string; certFile: string };
  /** Requests served at once (per worker) before TOOMANYREQUESTS; 0 or unset: no limit. */
  maxInflight?: number;
  log?: (msg: string) => void;
}

export interface RunningRegistry {
  server: Server;
  /** `http(s)://host:port` */
  url: string;
  /** `host:port` as clients name the registry. */
  host: string;
  close(): Promise<void>;
}

/** Builds the authorizer the options ask for (token auth wins over htpasswd when both are set). */
export async function buildAuthorizer(opts: RegistryOptions): Promise<Authorizer> {
  if (opts.token) {
    const keys = loadVerificationKeys(await readFile(opts.token.certFile, 'utf8'));
    return new TokenAuthorizer({ realm: opts.token.realm, service: opts.token.service, issuer: opts.token.issuer, keys });
  }
  if (opts.htpasswdFile) return new BasicAuthorizer(new Htpasswd(await readFile(opts.htpasswdFile, 'utf8')));
  return new OpenAuthorizer();
}

export function parseAddr(addr: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(addr);
  if (!m) throw new Error(`invalid address ${addr}: expected HOST:PORT`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`invalid port in ${addr}`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

/** Starts a registry and resolves once it listens. */
export async function startRegistry(opts: RegistryOptions): Promise<RunningRegistry> {
  const { host, port } = parseAddr(opts.addr ?? '127.0.0.1:5000');
  const layout = new RegistryLayout(opts.root);
  await mkdir(layout.uploadsDir, { recursive: true });
  await mkdir(layout.repositoriesDir, { recursive: true });
  await mkdir(layout.blobsDir, { recursive: true });
  const services: RegistryServices = {
    layout,
    blobs: new BlobStore(layout),
    repos: new RepoStore(layout),
    uploads: new UploadStore(layout),
    auth: await buildAuthorizer(opts),
  };
  const handler = createRegistryHandler(services, {
    log: opts.log ?? ((m) => process.stderr.write(`${m}\n`)),
    maxInflight: opts.maxInflight,
  });
  const server: Server = opts.tls
    ? createHttpsServer({ cert: await readFile(opts.tls.certFile), key: await readFile(opts.tls.keyFile) }, handler)
    : createHttpServer(handler);
  // Pullers reuse connections across many blob requests; keep them open between requests.
  server.keepAliveTimeout = 75_000;
  server.headersTimeout = 80_000;
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const hostName = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  const hostPort = `${hostName}:${bound.port}`;
  return {
    server,
    host: hostPort,
    url: `${opts.tls ? 'https' : 'http'}://${hostPort}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
