import { unauthorized } from '../../common/errors.js';
import { httpRequest, readBody, type TlsMaterial } from './transport.js';

/** What a user gives to authenticate (Docker's AuthConfig subset). */
export interface Credentials {
  username?: string;
  password?: string;
  /** A refresh token from an earlier login (OAuth flow). */
  identitytoken?: string;
  /** A bearer token to send as is. */
  registrytoken?: string;
}

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `WWW-Authenticate: Bearer realm="…",service="…",scope="…"` (quoted or token values). */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?/g;
  for (const p of m[2].matchAll(re)) params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3];
  return { scheme: m[1].toLowerCase(), params };
}

export function basicHeader(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username ?? ''}:${c.password ?? ''}`).toString('base64')}`;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

/**
 * Per-registry authorisation: remembers the scheme the registry asked for and bearer tokens
 * per scope set, reusing them until shortly before they expire (refresh on the next 401).
 */
export class AuthSession {
  private challenge?: Challenge;
  private readonly tokens = new Map<string, CachedToken>();

  constructor(
    private readonly creds: Credentials | undefined,
    private readonly tls: TlsMaterial,
  ) {}

  /** The Authorization header to send for `scopes`, if any is known yet. */
  headerFor(scopes: string[]): string | undefined {
    if (this.creds?.registrytoken) return `Bearer ${this.creds.registrytoken}`;
    if (!this.challenge) return undefined;
    if (this.challenge.scheme === 'basic') return this.creds?.username ? basicHeader(this.creds) : undefined;
    const t = this.tokens.get(scopeKey(scopes));
    return t && t.expiresAt > Date.now() ? `Bearer ${t.token}` : undefined;
  }

  /** Handles a 401: learns the challenge and fetches a fresh token. Returns false when nothing more can be tried. */
  async onUnauthorized(wwwAuthenticate: string | undefined, scopes: string[], signal?: AbortSignal): Promise<boolean> {
    const c = parseChallenge(wwwAuthenticate);
    if (!c) return false;
    const hadBasic = this.challenge?.scheme === 'basic';
    this.challenge = c;
    if (c.scheme === 'basic') return !hadBasic && !!this.creds?.username;
    if (c.scheme !== 'bearer' || !c.params.realm) return false;
    this.tokens.delete(scopeKey(scopes));
    const allScopes = [...new Set([...scopes, ...(c.params.scope ? c.params.scope.split(' ') : [])])];
    const token = await this.fetchToken(c, allScopes, signal);
    this.tokens.set(scopeKey(scopes), token);
    return true;
  }

  private async fetchToken(c: Challenge, scopes: string[], signal?: AbortSignal): Promise<CachedToken> {
    const url = new URL(c.params.realm);
    if (c.params.service) url.searchParams.set('service', c.params.service);
    for (const s of scopes) url.searchParams.append('scope', s);
    const headers: Record<string, string> = {};
    if (this.creds?.username) headers.authorization = basicHeader(this.creds);
    const res = await httpRequest(url, { method: 'GET', headers, tls: this.tls, signal, timeoutMs: 30_000 });
    const body = await readBody(res, 1024 * 1024);
    if (res.statusCode !== 200) {
      throw unauthorized(`Get "${url.href}": ${res.statusCode === 401 ? 'unauthorized: incorrect username or password' : `unexpected status ${res.statusCode}`}`);
    }
    const json = JSON.parse(body.toString('utf8')) as { token?: string; access_token?: string; expires_in?: number };
    const token = json.token ?? json.access_token;
    if (!token) throw unauthorized(`token service at ${url.origin} returned no token`);
    // Docker treats tokens as valid for at least 60 s; renew a little early so a pull does not race expiry.
    const life = Math.max(60, json.expires_in ?? 60);
    return { token, expiresAt: Date.now() + (life - 5) * 1000 };
  }
}

function scopeKey(scopes: string[]): string {
  return [...scopes].sort().join(' ');
}

/** The token scope for a repository: "repository:library/busybox:pull". */
export function repoScope(repo: string, actions: string[]): string {
  return `repository:${repo}:${actions.join(',')}`;
}
