import { createHash } from 'node:crypto';
import bcrypt from 'bcryptjs';

/**
 * An htpasswd file of bcrypt entries (`htpasswd -B`), as Docker's registry accepts. Other
 * hash kinds are refused at load time rather than silently never matching.
 */
export class Htpasswd {
  private readonly entries = new Map<string, string>();
  /** sha256(user:password) of credentials already checked, so bcrypt runs once per client. */
  private readonly verified = new Set<string>();

  constructor(text: string) {
    for (const [i, raw] of text.split('\n').entries()) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      const colon = line.indexOf(':');
      if (colon <= 0) throw new Error(`htpasswd line ${i + 1}: expected user:hash`);
      const user = line.slice(0, colon);
      const hash = line.slice(colon + 1);
      if (!/^\$2[aby]\$\d\d\$/.test(hash)) throw new Error(`htpasswd line ${i + 1}: only bcrypt entries are supported (htpasswd -B)`);
      // bcryptjs knows $2a$/$2b$; $2y$ (PHP's and htpasswd's spelling) is the same algorithm.
      this.entries.set(user, hash.replace(/^\$2y\$/, '$2b$'));
    }
  }

  async check(user: string, password: string): Promise<boolean> {
    const hash = this.entries.get(user);
    if (!hash) return false;
    const key = createHash('sha256').update(`${user}\0${password}\0${hash}`).digest('hex');
    if (this.verified.has(key)) return true;
    const ok = await bcrypt.compare(password, hash);
    if (ok) {
      if (this.verified.size >= 10_000) this.verified.clear();
      this.verified.add(key);
    }
    return ok;
  }
}
