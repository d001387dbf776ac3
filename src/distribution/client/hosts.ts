import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { DEFAULT_DOMAIN } from '../../reference/reference.js';
import type { TlsMaterial } from './transport.js';

/** Docker Hub's API host: references name "docker.io", requests go here. */
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';

/** How the client reaches registries: insecure hosts, CA folders, and (tests only) address overrides. */
export interface RegistryHostsOptions {
  /** Hosts ("host:port", "host") or CIDRs where plain HTTP is allowed (dockerd's --insecure-registry). */
  insecure?: string[];
  /** Folders in the certs.d layout (<dir>/<host:port>/ca.crt, client.cert/client.key); default /etc/docker/certs.d. */
  certsDirs?: string[];
  /**
   * Test-only: a reference domain → base URL to use instead ("docker.io" → "http://127.0.0.1:5000"),
   * so Docker Hub's path can be exercised against a local stand-in.
   */
  overrides?: Record<string, string>;
}

export interface RegistryEndpoint {
  /** The domain as references spell it ("docker.io", "localhost:5000"). */
  domain: string;
  /** Where to send requests, without a path, in preference order (https before http for insecure hosts). */
  bases: URL[];
  tls: TlsMaterial;
}

/** Resolves a reference domain to the URLs and TLS material to use for it. */
export function resolveEndpoint(domain: string, opts: RegistryHostsOptions = {}): RegistryEndpoint {
  const override = opts.overrides?.[domain];
  const host = override ? new URL(override).host : domain === DEFAULT_DOMAIN ? DOCKER_HUB_API_HOST : domain;
  const tls = certsFor(host, opts.certsDirs ?? ['/etc/docker/certs.d', '/etc/wharf/certs.d']);
  if (override) return { domain, bases: [new URL(override)], tls };
  const bases = [new URL(`https://${host}`)];
  if (isInsecure(host, opts.insecure ?? [])) bases.push(new URL(`http://${host}`));
  return { domain, bases, tls };
}

/** Docker allows plain HTTP for loopback registries and those configured insecure. */
export function isInsecure(host: string, insecure: string[]): boolean {
  const name = hostName(host);
  if (name === 'localhost' || name.endsWith('.localhost') || name === '::1' || /^127\./.test(name)) return true;
  for (const entry of insecure) {
    if (entry === host || entry === name) return true;
    if (entry.includes('/') && isIP(name) === 4 && inCidr(name, entry)) return true;
  }
  return false;
}

function hostName(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  const i = host.lastIndexOf(':');
  return i > -1 && host.indexOf(':') === i ? host.slice(0, i) : host;
}

function inCidr(ip: string, cidr: string): boolean {
  const [net, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  if (isIP(net) !== 4 || !(bits >= 0 && bits <= 32)) return false;
  const toInt = (a: string) => a.split('.').reduce((n, o) => (n << 8) + Number(o), 0) >>> 0;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (toInt(ip) & mask) === (toInt(net) & mask);
}

/** Reads <dir>/<host>/*.crt as CAs and *.cert + *.key as a client pair, as Docker's certs.d. */
export function certsFor(host: string, dirs: string[]): TlsMaterial {
  const out: TlsMaterial = {};
  for (const dir of dirs) {
    const d = join(dir, host);
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d).sort()) {
      const p = join(d, f);
      if (f.endsWith('.crt')) (out.ca ??= []).push(readFileSync(p, 'utf8'));
      else if (f.endsWith('.cert')) {
        const key = join(d, `${f.slice(0, -5)}.key`);
        if (existsSync(key)) {
          out.cert = readFileSync(p, 'utf8');
          out.key = readFileSync(key, 'utf8');
        }
      }
    }
  }
  return out;
}
