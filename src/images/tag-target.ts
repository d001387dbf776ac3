import { invalidParameter } from '../common/errors.js';
import { parseNormalizedNamed, withDefaultTag, type Reference } from '../reference/reference.js';

/** Parses a tag target as `docker tag` does: normalised, ":latest" added, digests refused. */
export function parseTarget(target: string): Reference {
  const ref = parseNormalizedNamed(target);
  if (ref.digest) throw invalidParameter('refusing to create a tag with a digest reference');
  if (ref.path === 'library/sha256' || ref.path.endsWith('/sha256')) {
    if (ref.tag && /^[a-f0-9]{64}$/.test(ref.tag)) throw invalidParameter('refusing to create an ambiguous tag using digest algorithm as name');
  }
  return withDefaultTag(ref);
}

