/**
 * Docker's word processing for Dockerfile arguments: quote removal, the escape character,
 * and variable substitution (`$v`, `${v}`, `${v:-w}`, `${v-w}`, `${v:+w}`, `${v+w}`,
 * `${v:?msg}`, `${v?msg}`, `${v#p}`, `${v%p}`). A variable that is absent from `env`
 * is unset; one mapped to "" is set but empty (the `:` forms treat both alike).
 */
export type Env = Map<string, string>;

export class SubstitutionError extends Error {}

class Lexer {
  private pos = 0;
  constructor(
    private readonly src: string,
    private readonly env: Env,
    private readonly escape: string,
  ) {}

  private peek(): string {
    return this.src[this.pos] ?? '';
  }

  private next(): string {
    return this.src[this.pos++] ?? '';
  }

  private atEnd(): boolean {
    return this.pos >= this.src.length;
  }

  /**
   * Reads up to (not including) an unquoted `stop` char (or the end); with `split`,
   * unquoted whitespace separates words. Returns the words (a single one without split).
   */
  words(split: boolean, stop?: string): string[] {
    const out: string[] = [];
    let word = '';
    let inWord = false;
    while (!this.atEnd()) {
      const ch = this.peek();
      if (stop !== undefined && ch === stop) break;
      if (split && /\s/.test(ch)) {
        this.pos++;
        if (inWord) out.push(word);
        word = '';
        inWord = false;
        continue;
      }
      inWord = true;
      this.pos++;
      if (ch === this.escape) {
        if (this.atEnd()) word += ch;
        else word += this.next();
      } else if (ch === "'") {
        word += this.singleQuoted();
      } else if (ch === '"') {
        word += this.doubleQuoted();
      } else if (ch === '$') {
        word += this.dollar();
      } else {
        word += ch;
      }
    }
    if (inWord || !split) out.push(word);
    return out;
  }

  private singleQuoted(): string {
    let s = '';
    while (!this.atEnd()) {
      const ch = this.next();
      if (ch === "'") return s;
      s += ch;
    }
    throw new SubstitutionError('unexpected end of statement while looking for matching single-quote');
  }

  private doubleQuoted(): string {
    let s = '';
    while (!this.atEnd()) {
      const ch = this.next();
      if (ch === '"') return s;
      if (ch === '$') s += this.dollar();
      else if (ch === this.escape) {
        const n = this.peek();
        if (n === '"' || n === '$' || n === this.escape) s += this.next();
        else s += ch;
      } else s += ch;
    }
    throw new SubstitutionError('unexpected end of statement while looking for matching double-quote');
  }

  private name(): string {
    let n = '';
    while (/[A-Za-z0-9_]/.test(this.peek()) && !this.atEnd()) n += this.next();
    return n;
  }

  private dollar(): string {
    const ch = this.peek();
    if (ch === '{') {
      this.pos++;
      const name = this.name();
      if (name === '') throw new SubstitutionError(`missing ':' in substitution`);
      const value = this.env.get(name);
      let op = this.next();
      if (op === '}') return value ?? '';
      let colon = false;
      if (op === ':') {
        colon = true;
        op = this.next();
      }
      if (!'-+?#%'.includes(op) || op === '') throw new SubstitutionError(`unsupported modifier (${op}) in substitution`);
      if ((op === '#' || op === '%') && colon) throw new SubstitutionError(`unsupported modifier (${op}) in substitution`);
      const word = this.words(false, '}')[0];
      if (this.next() !== '}') throw new SubstitutionError(`syntax error: missing '}'`);
      const unset = value === undefined || (colon && value === '');
      switch (op) {
        case '-':
          return unset ? word : (value ?? '');
        case '+':
          return unset ? '' : word;
        case '?':
          if (unset) throw new SubstitutionError(`${name}: ${word || 'is not allowed to be unset'}`);
          return value ?? '';
        case '#':
          return trimPattern(value ?? '', word, 'prefix');
        default:
          return trimPattern(value ?? '', word, 'suffix');
      }
    }
    const name = this.name();
    if (name === '') return '$';
    return this.env.get(name) ?? '';
  }
}

/** `${v#p}` / `${v%p}`: removes the shortest matching prefix/suffix (glob `*` and `?`). */
function trimPattern(value: string, pattern: string, side: 'prefix' | 'suffix'): string {
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*?').replace(/\?/g, '.') + '$', 's');
  if (side === 'prefix') {
    for (let i = 0; i <= value.length; i++) if (re.test(value.slice(0, i))) return value.slice(i);
  } else {
    for (let i = value.length; i >= 0; i--) if (re.test(value.slice(i))) return value.slice(0, i);
  }
  return value;
}

/** One word: quotes removed, variables substituted, whitespace kept. */
export function processWord(word: string, env: Env, escape = '\\'): string {
  return new Lexer(word, env, escape).words(false)[0];
}

/** Several words: like processWord, but unquoted whitespace separates words. */
export function processWords(text: string, env: Env, escape = '\\'): string[] {
  return new Lexer(text, env, escape).words(true);
}

/**
 * Docker's `parseWords` for ENV/LABEL/ARG: splits on unquoted whitespace keeping quotes and
 * escapes in place (they are removed later, when each word is processed).
 */
export function splitWordsKeepQuotes(text: string, escape = '\\'): string[] {
  const out: string[] = [];
  let word = '';
  let quote = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote === '' && /\s/.test(ch)) {
      if (inWord) out.push(word);
      word = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (ch === escape && quote !== "'" && i + 1 < text.length) {
      word += ch + text[++i];
      continue;
    }
    if (quote === '' && (ch === '"' || ch === "'")) quote = ch;
    else if (ch === quote) quote = '';
    word += ch;
  }
  if (inWord) out.push(word);
  return out;
}
