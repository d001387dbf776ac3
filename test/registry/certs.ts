import { execFileSync } from 'node:child_process';
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCert {
  certPem: string;
  keyPem: string;
  key: KeyObject;
}

/**
 * A self-signed certificate for 127.0.0.1 / localhost, RSA or EC P-256, made with the openssl
 * CLI (Debian's ca-certificates depends on it, so it is always there).
 */
export async function selfSignedCert(kind: 'rsa' | 'ec' = 'rsa', commonName = 'wharf-test'): Promise<TestCert> {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-cert-'));
  try {
    const keyArgs = kind === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
    execFileSync('openssl', [
      'req', '-x509', ...keyArgs, '-nodes', '-sha256', '-days', '1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      '-subj', `/CN=${commonName}`, '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ], { stdio: 'ignore' });
    const keyPem = readFileSync(join(dir, 'key.pem'), 'utf8');
    return { certPem: readFileSync(join(dir, 'cert.pem'), 'utf8'), keyPem, key: createPrivateKey(keyPem) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Signs registry token claims as a compact JWS (RS256 for RSA keys, ES256 for EC). */
export function signToken(key: KeyObject, claims: Record<string, unknown>): string {
  const alg = key.asymmetricKeyType === 'ec' ? 'ES256' : 'RS256';
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${enc({ alg, typ: 'JWT' })}.${enc(claims)}`;
  const sig = sign('sha256', Buffer.from(input), alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key);
  return `${input}.${sig.toString('base64url')}`;
}

/** Claims for a token from `issuer` to `service` granting `access`, valid for five minutes. */
export function tokenClaims(
  issuer: string,
  service: string,
  access: Array<{ type: string; name: string; actions: string[] }>,
  lifetimeSeconds = 300,
): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { iss: issuer, sub: 'tester', aud: service, iat: now, nbf: now - 1, exp: now + lifetimeSeconds, jti: String(Math.random()), access };
}
