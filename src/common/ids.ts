import { randomBytes } from 'node:crypto';

/** A 64-hex-digit identifier, as Docker uses for containers, execs and networks. */
export function newId(): string {
  return randomBytes(32).toString('hex');
}

/** Docker's short form: the first 12 hex digits. */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}
