import type { IncomingMessage } from 'node:http';
import type { KeyObject } from 'node:crypto';
import { RegistryError } from '../errors.js';
import type { Htpasswd } from './htpasswd.js';
import { verifyJwt, type AccessEntry } from './jwt.js';

/** What a request needs: e.g. `{type:'repository', name:'x/y', actions:['pull','push']}`. */
export type AccessNeed = AccessEntry;

/** What an authenticated caller may do, for decisions beyond the request's own needs (mount). */
export interface Grant {
  can(type: string, name: string, action: string): boolean;
}

/**
 * Decides whether a request may proceed. `authorize` resolves to the caller's grant or
 * rejects with UNAUTHORIZED (401, with the WWW-Authenticate challenge clients act on).
 */
export interface Authorizer {
  authorize(req: IncomingMessage, needs: AccessNeed[]): Promise<Grant>;
}

const everything: Grant = { can: () => true };

/** No auth configured: anyone may do anything (loopback development registries). */
export class OpenAuthorizer implements Authorizer {
  async authorize(): Promise<Grant> {
    return everything;
  }
}

/** htpasswd users may do everything; anyone else gets a Basic challenge. */
export class BasicAuthorizer implements Authorizer {
  constructor(
    private readonly users: Htpasswd,
    private readonly realm = 'Wharf Registry',
  ) {}

  async authorize(req: IncomingMessage): Promise<Grant> {
    const h = req.headers.authorization;
    if (h && /^basic /i.test(h)) {
      const decoded = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0 && (await this.users.check(decoded.slice(0, colon), decoded.slice(colon + 1)))) return everything;
    }
    throw new RegistryError('UNAUTHORIZED', {
      message: 'authentication required',
      headers: { 'www-authenticate': `Basic realm="${this.realm}"` },
    });
  }
}

export interface TokenSettings {
  realm: string;
  service: string;
  issuer: string;
  keys: KeyObject[];
}

/**
 * Docker's token auth: a bearer JWT from the configured issuer, signed by the configured
 * certificate's key, whose `access` claims cover the request's scope.
 */
export class TokenAuthorizer implements Authorizer {
  /** Verified tokens (signature checks are the costly part) until they expire. */
  private readonly cache = new Map<string, { grant: Grant; exp: number }>();

  constructor(private readonly settings: TokenSettings) {}

  async authorize(req: IncomingMessage, needs: AccessNeed[]): Promise<Grant> {
    const h = req.headers.authorization;
    let grant: Grant | undefined;
    let problem: string | undefined;
    if (h && /^bearer /i.test(h)) {
      try {
        grant = this.grantFor(h.slice(7).trim());
      } catch (err) {
        problem = (err as Error).message;
      }
    }
    const missing = grant ? needs.filter((n) => !n.actions.every((a) => grant!.can(n.type, n.name, a))) : needs;
    if (grant && missing.length === 0) return grant;
    const scope = needs.map((n) => `${n.type}:${n.name}:${n.actions.join(',')}`).join(' ');
    let challenge = `Bearer realm="${this.settings.realm}",service="${this.settings.service}"`;
    if (scope) challenge += `,scope="${scope}"`;
    if (grant) challenge += ',error="insufficient_scope"';
    else if (problem) challenge += ',error="invalid_token"';
    throw new RegistryError('UNAUTHORIZED', {
      message: grant ? 'insufficient scope for this request' : (problem ?? 'authentication required'),
      detail: needs.length ? needs : undefined,
      headers: { 'www-authenticate': challenge },
    });
  }

  private grantFor(token: string): Grant {
    const now = Date.now();
    const hit = this.cache.get(token);
    if (hit && hit.exp * 1000 > now) return hit.grant;
    const claims = verifyJwt(token, this.settings.keys, { issuer: this.settings.issuer, audience: this.settings.service });
    const allowed = new Set<string>();
    for (const a of claims.access ?? []) {
      if (!a || typeof a.type !== 'string' || typeof a.name !== 'string' || !Array.isArray(a.actions)) continue;
      for (const action of a.actions) allowed.add(`${a.type}\0${a.name}\0${action}`);
    }
    const grant: Grant = {
      can: (type, name, action) => allowed.has(`${type}\0${name}\0${action}`) || allowed.has(`${type}\0${name}\0*`),
    };
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(token, { grant, exp: claims.exp ?? 0 });
    return grant;
  }
}
