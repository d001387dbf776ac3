import { invalidParameter } from '../common/errors.js';

/**
 * Docker image references ("distribution/reference" grammar and normalisation):
 * `busybox` = `docker.io/library/busybox:latest`, `localhost:5000/a/b:t`, `name@sha256:…`.
 * All parse errors are invalid-parameter WharfErrors with Docker's messages.
 */
export interface Reference {
  /** Registry host (with port), e.g. "docker.io", "localhost:5000". */
  domain: string;
  /** Repository path, e.g. "library/busybox". */
  path: string;
  tag?: string;
  digest?: string;
}

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_PREFIX = 'library/';
const MAX_NAME = 255;

const alnum = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alnum}(?:${separator}${alnum})*`;
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const ipv6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainName = `(?:${domainComponent}(?:\\.${domainComponent})*|${ipv6})(?::[0-9]+)?`;
const tagPattern = '[\\w][\\w.-]{0,127}';
const digestPattern = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';
const namePattern = `(?:${domainName}/)?${pathComponent}(?:/${pathComponent})*`;
const referenceRe = new RegExp(`^(${namePattern})(?::(${tagPattern}))?(?:@(${digestPattern}))?$`);
const identifierRe = /^[a-f0-9]{64}$/;
const tagRe = new RegExp(`^${tagPattern}$`);

export const INVALID_FORMAT = 'invalid reference format';

/** Whether `s` is a full 64-hex image ID (Docker refuses it as a repository name). */
export function isFullIdentifier(s: string): boolean {
  return identifierRe.test(s);
}

function validateDigest(d: string): void {
  const [alg, hex] = d.split(':');
  if (alg !== 'sha256') throw invalidParameter(`${INVALID_FORMAT}: unsupported digest algorithm`);
  if (hex.length !== 64) throw invalidParameter(`${INVALID_FORMAT}: invalid checksum digest length`);
  if (!/^[a-f0-9]+$/.test(hex)) throw invalidParameter(`${INVALID_FORMAT}: invalid checksum digest format`);
}

/** Parses a fully spelled reference (no normalisation), as distribution's Parse. */
function parseExact(s: string): Reference {
  const m = referenceRe.exec(s);
  if (!m) {
    if (s === '') throw invalidParameter(`${INVALID_FORMAT}: repository name must have at least one component`);
    if (referenceRe.test(s.toLowerCase())) throw invalidParameter(`${INVALID_FORMAT}: repository name must be lowercase`);
    throw invalidParameter(INVALID_FORMAT);
  }
  const name = m[1];
  if (name.length > MAX_NAME) throw invalidParameter(`${INVALID_FORMAT}: repository name must not be more than ${MAX_NAME} characters`);
  if (m[3]) validateDigest(m[3]);
  const slash = name.indexOf('/');
  return { domain: name.slice(0, slash), path: name.slice(slash + 1), tag: m[2], digest: m[3] };
}

function splitDomain(name: string): [string, string] {
  const i = name.indexOf('/');
  let domain: string;
  let rest: string;
  const first = i === -1 ? '' : name.slice(0, i);
  if (i === -1 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    domain = DEFAULT_DOMAIN;
    rest = name;
  } else {
    domain = first;
    rest = name.slice(i + 1);
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !rest.includes('/')) rest = OFFICIAL_PREFIX + rest;
  return [domain, rest];
}

/** Docker's ParseNormalizedNamed: "busybox" → docker.io/library/busybox (tag not added). */
export function parseNormalizedNamed(s: string): Reference {
  if (identifierRe.test(s)) {
    throw invalidParameter(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  }
  const [domain, rest] = splitDomain(s);
  const colon = rest.indexOf(':');
  const remote = colon > -1 ? rest.slice(0, colon) : rest;
  if (remote.toLowerCase() !== remote) {
    throw invalidParameter(`${INVALID_FORMAT}: repository name (${remote}) must be lowercase`);
  }
  const ref = parseExact(`${domain}/${rest}`);
  return ref;
}

/** Adds ":latest" when the reference has neither tag nor digest (Docker's TagNameOnly). */
export function withDefaultTag(ref: Reference): Reference {
  return ref.tag || ref.digest ? ref : { ...ref, tag: 'latest' };
}

/** Parses and normalises a user's reference, defaulting the tag: "busybox" → "docker.io/library/busybox:latest". */
export function normalize(s: string): Reference {
  return withDefaultTag(parseNormalizedNamed(s));
}

export function repoName(ref: Reference): string {
  return `${ref.domain}/${ref.path}`;
}

/** The full string: "docker.io/library/busybox:latest", "x/y@sha256:…". */
export function refString(ref: Reference): string {
  return repoName(ref) + (ref.tag ? `:${ref.tag}` : '') + (ref.digest ? `@${ref.digest}` : '');
}

/** Docker's familiar name: "docker.io/library/busybox" → "busybox", "docker.io/x/y" → "x/y". */
export function familiarName(ref: Reference): string {
  if (ref.domain !== DEFAULT_DOMAIN) return repoName(ref);
  if (ref.path.startsWith(OFFICIAL_PREFIX) && !ref.path.slice(OFFICIAL_PREFIX.length).includes('/')) {
    return ref.path.slice(OFFICIAL_PREFIX.length);
  }
  return ref.path;
}

/** Docker's FamiliarString: "busybox:latest", "localhost:5000/a/b:t", "busybox@sha256:…". */
export function familiarString(ref: Reference): string {
  return familiarName(ref) + (ref.tag ? `:${ref.tag}` : '') + (ref.digest ? `@${ref.digest}` : '');
}

/** Familiar form of a stored full reference string. */
export function familiarize(full: string): string {
  return familiarString(parseExact(full));
}

/** Parses a full reference string as stored (already normalised). */
export function parseStored(full: string): Reference {
  return parseExact(full);
}

/** Validates a tag on its own (for `docker tag`'s and `commit`'s separate tag argument). */
export function validateTag(tag: string): void {
  if (!tagRe.test(tag)) throw invalidParameter(`invalid tag format`);
}

/** Result of Docker's ParseAnyReference: a name, or a bare image digest/ID. */
export type AnyReference = { kind: 'named'; ref: Reference } | { kind: 'digest'; digest: string };

export function parseAnyReference(s: string): AnyReference {
  if (identifierRe.test(s)) return { kind: 'digest', digest: `sha256:${s}` };
  if (/^sha256:[a-f0-9]{64}$/.test(s)) return { kind: 'digest', digest: s };
  return { kind: 'named', ref: parseNormalizedNamed(s) };
}

/**
 * Go's path.Match over familiar names, for `--filter reference=…`: `*` and `?` do not cross "/",
 * `[…]` classes are supported.
 */
export function familiarMatch(pattern: string, ref: Reference): boolean {
  const re = globToRegExp(pattern);
  const withTag = familiarString({ ...ref, digest: undefined });
  return re.test(familiarName(ref)) || re.test(withTag) || re.test(familiarString(ref));
}

function globToRegExp(p: string): RegExp {
  let out = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = p.indexOf(']', i + 1);
      if (end === -1) {
        out += '\\[';
        continue;
      }
      let cls = p.slice(i + 1, end);
      if (cls.startsWith('^')) cls = '^' + cls.slice(1);
      out += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '\\' && i + 1 < p.length) {
      out += p[++i].replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}
