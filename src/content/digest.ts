import { invalidParameter } from '../common/errors.js';

const SHA256 = /^sha256:[a-f0-9]{64}$/;

/** True when `d` is a canonical "sha256:<64 lowercase hex>" digest. */
export function isDigest(d: string): boolean {
  return SHA256.test(d);
}

/** Validates a digest and returns its hex part; throws invalid-parameter otherwise. */
export function digestHex(d: string): string {
  if (!isDigest(d)) {
    if (/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:/.test(d) && !d.startsWith('sha256:')) {
      throw invalidParameter(`unsupported digest algorithm: ${d}`);
    }
    throw invalidParameter(`invalid digest format: ${d}`);
  }
  return d.slice(7);
}
