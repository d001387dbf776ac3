/**
 * `.dockerignore` with Docker's rules: one pattern a line, `#` comments, `!` exceptions,
 * paths cleaned and taken relative to the context root, `*` and `?` within one path
 * segment, `**` across any number of segments, `[...]` classes, `\` escapes. The last
 * pattern that matches decides; a pattern also matches everything under a directory it
 * matches.
 */
import { posix } from 'node:path';

interface Pattern {
  re: RegExp;
  exclusion: boolean;
  /** The cleaned pattern text (without `!`). */
  text: string;
}

/** Parses `.dockerignore` content into cleaned pattern lines (with `!` kept). */
export function readIgnoreLines(content: string): string[] {
  const out: string[] = [];
  for (const raw of content.split(/\r?\n/)) {
    let line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    let neg = '';
    if (line.startsWith('!')) {
      neg = '!';
      line = line.slice(1).trim();
    }
    if (line === '') continue;
    let clean = posix.normalize(line);
    clean = clean.replace(/^\/+/, '').replace(/\/+$/, '');
    if (clean === '' || clean === '.') clean = '.';
    out.push(neg + clean);
  }
  return out;
}

function toRegExp(p: string): RegExp {
  let re = '^';
  for (let i = 0; i < p.length; i++) {
    const ch = p[i];
    if (ch === '*') {
      if (p[i + 1] === '*') {
        i++;
        if (p[i + 1] === '/') {
          i++;
          re += '(.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (ch === '?') re += '[^/]';
    else if (ch === '\\' && i + 1 < p.length) re += '\\' + p[++i];
    else if (ch === '[') {
      const end = p.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        let cls = p.slice(i + 1, end);
        if (cls.startsWith('^') || cls.startsWith('!')) cls = '^' + cls.slice(1);
        re += `[${cls.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += ch.replace(/[.+^${}()|\]\\/]/g, '\\$&');
  }
  return new RegExp(re + '$', 's');
}

export class IgnoreMatcher {
  private readonly patterns: Pattern[];

  constructor(lines: string[]) {
    this.patterns = lines.map((l) => {
      const exclusion = l.startsWith('!');
      const text = exclusion ? l.slice(1) : l;
      return { re: toRegExp(text), exclusion, text };
    });
  }

  static fromContent(content: string): IgnoreMatcher {
    return new IgnoreMatcher(readIgnoreLines(content));
  }

  get empty(): boolean {
    return this.patterns.length === 0;
  }

  /** Whether an exception pattern might re-include something under an excluded dir. */
  get hasExceptions(): boolean {
    return this.patterns.some((p) => p.exclusion);
  }

  /** True when `rel` (a context-relative path, "/"-separated) is excluded. */
  ignores(rel: string): boolean {
    const path = posix.normalize(rel).replace(/^\/+/, '');
    const dirs = path.split('/');
    let excluded = false;
    for (const p of this.patterns) {
      // A pattern matching a parent directory excludes everything under it (the context
      // walk never descends into an excluded directory).
      let match = p.re.test(path);
      for (let n = 1; !match && n < dirs.length; n++) match = p.re.test(dirs.slice(0, n).join('/'));
      if (match) excluded = !p.exclusion;
    }
    return excluded;
  }
}
