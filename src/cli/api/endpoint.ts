/**
 * Which daemon the CLI talks to: -H/--host, then WHARF_HOST, then DOCKER_HOST, then
 * unix:///run/wharf/wharf.sock; TLS from --tls/--tlsverify/--tlscacert/--tlscert/--tlskey,
 * DOCKER_TLS_VERIFY and DOCKER_CERT_PATH as the docker CLI reads them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CliError } from '../cli-error.js';

export const DEFAULT_HOST = 'unix:///run/wharf/wharf.sock';

export interface TlsOptions {
  tls: boolean;
  tlsverify: boolean;
  tlscacert?: string;
  tlscert?: string;
  tlskey?: string;
}

export interface Endpoint {
  /** As the user wrote it, normalised (used in messages). */
  url: string;
  socketPath?: string;
  hostname?: string;
  port?: number;
  tls?: { ca?: Buffer | string[]; cert?: Buffer; key?: Buffer; rejectUnauthorized: boolean };
}

export function resolveEndpoint(hosts: string[], tlsOpts: TlsOptions, env: NodeJS.ProcessEnv = process.env): Endpoint {
  if (hosts.length > 1) throw new CliError('Specify only one -H', 1);
  // Empty variables count as unset, as in the docker CLI.
  const url = hosts[0] || env.WHARF_HOST || env.DOCKER_HOST || DEFAULT_HOST;
  const verify = tlsOpts.tlsverify || (env.DOCKER_TLS_VERIFY ?? '') !== '';
  const useTls = tlsOpts.tls || verify;
  if (url.startsWith('unix://')) {
    const socketPath = url.slice('unix://'.length);
    if (!socketPath) throw new CliError(`unable to parse docker host \`${url}\``, 1);
    return { url, socketPath };
  }
  if (url.startsWith('/')) return { url: `unix://${url}`, socketPath: url };
  const m = /^(?:(tcp|http|https):\/\/)?(\[[^\]]+\]|[^:/]*)(?::(\d+))?\/?$/.exec(url);
  if (!m || url.includes('://') !== Boolean(m[1])) {
    throw new CliError(`unable to parse docker host \`${url}\``, 1);
  }
  const secure = useTls || m[1] === 'https';
  const hostname = (m[2] || '127.0.0.1').replace(/^\[|\]$/g, '');
  const port = m[3] ? Number(m[3]) : secure ? 2376 : 2375;
  const ep: Endpoint = { url: `tcp://${m[2] || '127.0.0.1'}:${port}`, hostname, port };
  if (secure) {
    const certDir = env.DOCKER_CERT_PATH || join(homedir(), '.docker');
    const pick = (explicit: string | undefined, file: string) => {
      const p = explicit ?? join(certDir, file);
      if (explicit !== undefined && !existsSync(p)) throw new CliError(`Could not load X509 key pair: open ${p}: no such file or directory`, 1);
      return existsSync(p) ? readFileSync(p) : undefined;
    };
    ep.tls = {
      ca: pick(tlsOpts.tlscacert, 'ca.pem'),
      cert: pick(tlsOpts.tlscert, 'cert.pem'),
      key: pick(tlsOpts.tlskey, 'key.pem'),
      rejectUnauthorized: verify,
    };
  }
  return ep;
}
