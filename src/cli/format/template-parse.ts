/**
 * Parser for the subset of Go's text/template that docker users type in `--format`:
 * fields and chains ({{.Config.Image}}), variables ($, $x := ...), pipelines with |,
 * function calls, parenthesised pipelines, string/number/bool literals, trim markers
 * ({{- -}}), and if/else if/else, range (with $i, $v :=), with, end.
 */

export type Arg =
  | { t: 'field'; base: 'dot' | { v: string } | { pipe: Pipe }; path: string[]; src: string; pos: number }
  | { t: 'ident'; name: string }
  | { t: 'lit'; v: unknown };
export type Command = Arg[];
export interface Pipe {
  decl: string[];
  assign: boolean; // `=` re-assigns existing variables instead of declaring them
  cmds: Command[];
}
export type Node =
  | { t: 'text'; s: string }
  | { t: 'action'; pipe: Pipe }
  | BlockNode
  | { t: 'break' | 'continue' };

export interface BlockNode {
  t: 'if' | 'with' | 'range';
  pipe: Pipe;
  body: Node[];
  else?: Node[];
}

export class TemplateError extends Error {}

type Tok = { k: 'field' | 'var' | 'ident' | 'str' | 'num' | 'op'; s: string; v?: unknown; pos: number };

function lexAction(src: string, base: number): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  const identChar = /[A-Za-z0-9_]/;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')' || c === '|' || c === ',') {
      toks.push({ k: 'op', s: c, pos: base + i });
      i++;
    } else if (c === ':' && src[i + 1] === '=') {
      toks.push({ k: 'op', s: ':=', pos: base + i });
      i += 2;
    } else if (c === '=') {
      toks.push({ k: 'op', s: '=', pos: base + i });
      i++;
    } else if (c === '.' || c === '$') {
      let j = i;
      if (c === '$') {
        j++;
        while (j < src.length && identChar.test(src[j])) j++;
      }
      while (src[j] === '.' && j + 1 < src.length && /[A-Za-z_]/.test(src[j + 1])) {
        j++;
        while (j < src.length && identChar.test(src[j])) j++;
      }
      if (j === i) j++; // a lone "." 
      toks.push({ k: c === '.' ? 'field' : 'var', s: src.slice(i, j), pos: base + i + Math.max(0, src.slice(i, j).lastIndexOf('.')) });
      i = j;
    } else if (c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
      if (j >= src.length) throw new TemplateError('template: :1: unterminated quoted string');
      toks.push({ k: 'str', s: src.slice(i, j + 1), v: JSON.parse(src.slice(i, j + 1).replace(/\\'/g, "'")), pos: base + i });
      i = j + 1;
    } else if (c === '`') {
      const j = src.indexOf('`', i + 1);
      if (j < 0) throw new TemplateError('template: :1: unterminated raw quoted string');
      toks.push({ k: 'str', s: src.slice(i, j + 1), v: src.slice(i + 1, j), pos: base + i });
      i = j + 1;
    } else if (/[-+0-9]/.test(c)) {
      const m = /^[-+]?(0x[0-9a-fA-F]+|\d+(\.\d*)?([eE][-+]?\d+)?)/.exec(src.slice(i));
      if (!m) throw new TemplateError(`template: :1: bad number syntax: "${src.slice(i)}"`);
      toks.push({ k: 'num', s: m[0], v: Number(m[0]), pos: base + i });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i;
      while (j < src.length && identChar.test(src[j])) j++;
      toks.push({ k: 'ident', s: src.slice(i, j), pos: base + i });
      i = j;
    } else {
      throw new TemplateError(`template: :1: unexpected "${c}" in command`);
    }
  }
  return toks;
}

class PipeParser {
  private i = 0;
  constructor(private readonly toks: Tok[]) {}

  done(): boolean {
    return this.i >= this.toks.length;
  }

  pipe(stopAtParen: boolean): Pipe {
    const decl: string[] = [];
    let assign = false;
    // Declarations look like `$x :=` or `$i, $v :=`.
    let j = this.i;
    const names: string[] = [];
    while (this.toks[j]?.k === 'var' && !this.toks[j].s.includes('.', 1)) {
      names.push(this.toks[j].s);
      if (this.toks[j + 1]?.s === ',') j += 2;
      else {
        j++;
        break;
      }
    }
    if (names.length > 0 && (this.toks[j]?.s === ':=' || this.toks[j]?.s === '=')) {
      decl.push(...names);
      assign = this.toks[j].s === '=';
      this.i = j + 1;
    }
    const cmds: Command[] = [];
    let cmd: Command = [];
    while (!this.done()) {
      const t = this.toks[this.i];
      if (t.s === ')' && t.k === 'op') {
        if (!stopAtParen) throw new TemplateError('template: :1: unexpected ")" in command');
        break;
      }
      this.i++;
      if (t.k === 'op' && t.s === '|') {
        if (cmd.length === 0) throw new TemplateError('template: :1: missing command');
        cmds.push(cmd);
        cmd = [];
        continue;
      }
      cmd.push(this.operand(t));
    }
    if (cmd.length === 0) throw new TemplateError('template: :1: missing value for command');
    cmds.push(cmd);
    return { decl, assign, cmds };
  }

  private operand(t: Tok): Arg {
    switch (t.k) {
      case 'field':
        return { t: 'field', base: 'dot', path: t.s === '.' ? [] : t.s.slice(1).split('.'), src: t.s, pos: t.pos };
      case 'var': {
        const [v, ...path] = t.s.split('.');
        return { t: 'field', base: { v }, path, src: t.s, pos: t.pos };
      }
      case 'str':
      case 'num':
        return { t: 'lit', v: t.v };
      case 'ident':
        if (t.s === 'true' || t.s === 'false') return { t: 'lit', v: t.s === 'true' };
        if (t.s === 'nil') return { t: 'lit', v: null };
        return { t: 'ident', name: t.s };
      case 'op':
        if (t.s === '(') {
          const inner = this.pipe(true);
          if (this.toks[this.i]?.s !== ')') throw new TemplateError('template: :1: unclosed left paren');
          this.i++;
          // A field chain may follow the closing paren directly: (index .x 0).Name
          const next = this.toks[this.i];
          if (next?.k === 'field' && next.s !== '.') {
            this.i++;
            return { t: 'field', base: { pipe: inner }, path: next.s.slice(1).split('.'), src: `(...)${next.s}`, pos: next.pos };
          }
          return { t: 'field', base: { pipe: inner }, path: [], src: '(...)', pos: t.pos };
        }
        throw new TemplateError(`template: :1: unexpected "${t.s}" in operand`);
    }
  }
}

/** Parses a whole template into a node list. */
export function parseTemplate(src: string): Node[] {
  // Split into text and {{actions}}, applying trim markers.
  const parts: { text?: string; action?: string; offset?: number }[] = [];
  let pos = 0;
  while (pos < src.length) {
    const open = src.indexOf('{{', pos);
    if (open < 0) {
      parts.push({ text: src.slice(pos) });
      break;
    }
    let text = src.slice(pos, open);
    let start = open + 2;
    if (src.startsWith('- ', start) || src.startsWith('-\t', start) || src.startsWith('-\n', start)) {
      text = text.replace(/\s+$/, '');
      start += 1;
    }
    parts.push({ text });
    const close = findClose(src, start);
    if (close < 0) throw new TemplateError('template: :1: unclosed action');
    let end = close;
    let after = close + 2;
    if (/\s-$/.test(src.slice(start, close))) end = close - 1;
    const inner = src.slice(start, end);
    parts.push({ action: inner.trim(), offset: start + (inner.length - inner.trimStart().length) });
    if (end !== close) {
      while (after < src.length && /\s/.test(src[after])) after++;
    }
    pos = after;
  }
  let k = 0;
  const list = (terminators: string[]): { nodes: Node[]; ended: string } => {
    const nodes: Node[] = [];
    while (k < parts.length) {
      const p = parts[k++];
      if (p.text !== undefined) {
        if (p.text) nodes.push({ t: 'text', s: p.text });
        continue;
      }
      const action = p.action ?? '';
      if (action.startsWith('/*')) continue; // comment
      const word = /^[a-z]+/.exec(action)?.[0] ?? '';
      if (word === 'end' || word === 'else') {
        if (!terminators.includes(word)) throw new TemplateError(`template: :1: unexpected {{${word}}}`);
        if (word === 'else') k--; // let the block parser see which else it is
        return { nodes, ended: word };
      }
      if (word === 'if' || word === 'with' || word === 'range') {
        nodes.push(block(word, action.slice(word.length), (p.offset ?? 0) + word.length));
        continue;
      }
      if (word === 'break' || word === 'continue') {
        nodes.push({ t: word });
        continue;
      }
      if (word === 'define' || word === 'template' || word === 'block') {
        throw new TemplateError(`template: :1: {{${word}}} is not supported`);
      }
      nodes.push({ t: 'action', pipe: parsePipe(action, p.offset ?? 0) });
    }
    if (terminators.length > 0) throw new TemplateError('template: :1: unexpected EOF');
    return { nodes, ended: '' };
  };
  const block = (kind: 'if' | 'with' | 'range', head: string, offset = 0): Node => {
    const pipe = parsePipe(head, offset);
    const body = list(['end', 'else']);
    const node: Node = { t: kind, pipe, body: body.nodes };
    if (body.ended === 'else') {
      const elseAction = (parts[k++].action ?? '').slice(4).trim();
      if (elseAction.startsWith('if ') || elseAction.startsWith('with ')) {
        // {{else if X}} is sugar for {{else}}{{if X}}...{{end}} sharing the outer {{end}}
        const w = elseAction.startsWith('if ') ? 'if' : 'with';
        node.else = [block(w, elseAction.slice(w.length))];
      } else {
        node.else = list(['end']).nodes;
      }
    }
    return node;
  };
  return list([]).nodes;
}

function findClose(src: string, from: number): number {
  let i = from;
  while (i < src.length) {
    const c = src[i];
    if (c === '"') {
      i++;
      while (i < src.length && src[i] !== '"') i += src[i] === '\\' ? 2 : 1;
      i++;
    } else if (c === '`') {
      i = src.indexOf('`', i + 1) + 1;
      if (i === 0) return -1;
    } else if (c === '}' && src[i + 1] === '}') {
      return i;
    } else i++;
  }
  return -1;
}

function parsePipe(src: string, offset: number): Pipe {
  const p = new PipeParser(lexAction(src, offset));
  if (p.done()) throw new TemplateError('template: :1: missing value for command');
  return p.pipe(false);
}
