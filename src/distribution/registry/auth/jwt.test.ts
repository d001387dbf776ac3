import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { verifyJwt } from './jwt.js';

function jwt(key: KeyObject, alg: 'RS256' | 'ES256', claims: object): string {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${enc({ alg, typ: 'JWT' })}.${enc(claims)}`;
  const sig = sign('sha256', Buffer.from(input), alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key);
  return `${input}.${sig.toString('base64url')}`;
}

test('RS256 and ES256 tokens verify against their public keys and expose the access claim', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: 'iss', aud: ['svc'], exp: now + 60, access: [{ type: 'repository', name: 'a', actions: ['pull'] }] };
  const expect = { issuer: 'iss', audience: 'svc' };
  assert.deepEqual(verifyJwt(jwt(rsa.privateKey, 'RS256', claims), [ec.publicKey, rsa.publicKey], expect).access, claims.access);
  assert.deepEqual(verifyJwt(jwt(ec.privateKey, 'ES256', claims), [rsa.publicKey, ec.publicKey], expect).access, claims.access);

  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  assert.throws(() => verifyJwt(jwt(other.privateKey, 'ES256', claims), [ec.publicKey], expect), /signature/);
  assert.throws(() => verifyJwt(jwt(rsa.privateKey, 'RS256', { ...claims, exp: now - 3600 }), [rsa.publicKey], expect), /expired/);
  assert.throws(() => verifyJwt(jwt(rsa.privateKey, 'RS256', { ...claims, nbf: now + 3600 }), [rsa.publicKey], expect), /not valid yet/);
  assert.throws(() => verifyJwt(jwt(rsa.privateKey, 'RS256', claims), [rsa.publicKey], { ...expect, audience: 'x' }), /audience/);
  const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
  assert.throws(() => verifyJwt(none, [rsa.publicKey], expect), /unsupported token algorithm/);
});
