import { X509Certificate, createPublicKey, verify, type KeyObject } from 'node:crypto';

/** One entry of a registry token's `access` claim (Docker's token spec). */
export interface AccessEntry {
  type: string;
  name: string;
  actions: string[];
}

export interface TokenClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  access?: AccessEntry[];
}

const HASH_OF: Record<string, string> = {
  RS256: 'sha256',
  RS384: 'sha384',
  RS512: 'sha512',
  ES256: 'sha256',
  ES384: 'sha384',
  ES512: 'sha512',
};

/** Reads every certificate and public key in a PEM file (a bundle may hold several). */
export function loadVerificationKeys(pem: string): KeyObject[] {
  const keys: KeyObject[] = [];
  const blocks = pem.match(/-----BEGIN ([A-Z ]+)-----[\s\S]+?-----END \1-----/g) ?? [];
  for (const block of blocks) {
    if (block.startsWith('-----BEGIN CERTIFICATE-----')) keys.push(new X509Certificate(block).publicKey);
    else if (/-----BEGIN (RSA |EC )?PUBLIC KEY-----/.test(block)) keys.push(createPublicKey(block));
  }
  if (keys.length === 0) throw new Error('no certificate or public key found in the token certificate file');
  return keys;
}

/**
 * Verifies a compact JWS (RS* or ES*) against the given keys and checks its issuer, audience
 * and validity window (with a minute of clock skew). Returns the claims, or throws an Error
 * saying why the token is not acceptable.
 */
export function verifyJwt(
  token: string,
  keys: KeyObject[],
  expect: { issuer: string; audience: string; now?: number },
): TokenClaims {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error('malformed token');
  let header: { alg?: string };
  let claims: TokenClaims;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as { alg?: string };
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as TokenClaims;
  } catch {
    throw new Error('malformed token');
  }
  const hash = header.alg ? HASH_OF[header.alg] : undefined;
  if (!hash) throw new Error(`unsupported token algorithm ${String(header.alg)}`);
  const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
  const signature = Buffer.from(parts[2], 'base64url');
  const ec = header.alg!.startsWith('ES');
  const ok = keys.some((key) => {
    if ((key.asymmetricKeyType === 'ec') !== ec) return false;
    try {
      return verify(hash, signed, ec ? { key, dsaEncoding: 'ieee-p1363' } : key, signature);
    } catch {
      return false;
    }
  });
  if (!ok) throw new Error('token signature is invalid');
  const now = Math.floor((expect.now ?? Date.now()) / 1000);
  const skew = 60;
  if (claims.iss !== expect.issuer) throw new Error('token issuer does not match');
  const aud = Array.isArray(claims.aud) ? claims.aud : claims.aud === undefined ? [] : [claims.aud];
  if (!aud.includes(expect.audience)) throw new Error('token audience does not match');
  if (typeof claims.exp !== 'number' || claims.exp + skew < now) throw new Error('token has expired');
  if (typeof claims.nbf === 'number' && claims.nbf - skew > now) throw new Error('token is not valid yet');
  return claims;
}
