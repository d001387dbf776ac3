/**
 * Authentication: bearer tokens (compared in constant time) and client certificates signed
 * by the cluster CA (user = CN, groups = O). Every authenticated user is an administrator
 * for now; authorization (RBAC) comes later.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

export interface User {
  name: string;
  groups: string[];
}

export class Authenticator {
  private readonly tokens: Map<string, User>;

  constructor(tokens: Record<string, User>) {
    this.tokens = new Map(Object.entries(tokens));
  }

  /** undefined: no credentials presented; null: credentials presented and rejected. */
  authenticate(req: IncomingMessage): User | undefined | null {
    const header = req.headers.authorization;
    if (header) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!m) return null;
      const given = Buffer.from(m[1]);
      for (const [token, user] of this.tokens) {
        const want = Buffer.from(token);
        if (want.length === given.length && timingSafeEqual(want, given)) return user;
      }
      return null;
    }
    const sock = req.socket as TLSSocket;
    if (typeof sock.getPeerCertificate === 'function') {
      const cert = sock.getPeerCertificate();
      if (cert && Object.keys(cert).length > 0) {
        if (!sock.authorized) return null;
        const cn = Array.isArray(cert.subject.CN) ? cert.subject.CN[0] : cert.subject.CN;
        const o = cert.subject.O;
        return { name: cn ?? '', groups: [...(Array.isArray(o) ? o : o ? [o] : []), 'system:authenticated'] };
      }
    }
    return undefined;
  }
}
