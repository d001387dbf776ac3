import { registryError } from './errors.js';

/**
 * The OCI Distribution Spec's grammar for repository names, tags and digests. Names are also
 * used as folder paths in storage, so this check is what keeps every write inside the root.
 */

const NAME_COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const NAME_RE = new RegExp(`^${NAME_COMPONENT}(?:/${NAME_COMPONENT})*$`);
const TAG_RE = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const DIGEST_RE = /^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;

/** Hex lengths of the algorithms this registry can verify. */
const ALGORITHMS: Record<string, number> = { sha256: 64, sha512: 128 };

export function isValidName(name: string): boolean {
  return name.length > 0 && name.length <= 255 && NAME_RE.test(name);
}

export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

export function assertName(name: string): void {
  if (!isValidName(name)) throw registryError('NAME_INVALID', 'invalid repository name', { name });
}

export interface ParsedDigest {
  algorithm: 'sha256' | 'sha512';
  hex: string;
  /** `algorithm:hex` */
  digest: string;
}

/** Parses a digest this registry supports; undefined for anything else. */
export function parseDigest(value: string): ParsedDigest | undefined {
  const m = DIGEST_RE.exec(value);
  if (!m) return undefined;
  const algorithm = m[1];
  const hex = m[2];
  const len = ALGORITHMS[algorithm];
  if (len === undefined || hex.length !== len || !/^[a-f0-9]+$/.test(hex)) return undefined;
  return { algorithm: algorithm as 'sha256' | 'sha512', hex, digest: value };
}

export function looksLikeDigest(value: string): boolean {
  return value.includes(':');
}

/** Parses a digest or throws DIGEST_INVALID (400). */
export function requireDigest(value: string | null | undefined): ParsedDigest {
  const d = value ? parseDigest(value) : undefined;
  if (!d) throw registryError('DIGEST_INVALID', 'invalid digest', { digest: value ?? '' });
  return d;
}
