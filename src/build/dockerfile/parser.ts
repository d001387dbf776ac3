/**
 * Dockerfile lexical structure: parser directives, comments, line continuations and
 * here-documents. Produces one node per instruction with its raw argument text; the
 * instruction-specific meaning is decided in instructions.ts.
 */

export interface Heredoc {
  /** Delimiter word as written (without quotes). */
  name: string;
  /** Body lines joined with "\n", ending with "\n" (leading tabs removed for `<<-`). */
  content: string;
  /** A quoted delimiter disables variable expansion of the body. */
  expand: boolean;
}

export interface Node {
  /** Lower-cased instruction word. */
  cmd: string;
  /** Text after the instruction word, continuations joined. */
  rest: string;
  /** The whole instruction as written on its (joined) line. */
  original: string;
  /** 1-based line numbers of the first and last line. */
  startLine: number;
  endLine: number;
  heredocs: Heredoc[];
}

export interface Dockerfile {
  escape: string;
  syntax?: string;
  nodes: Node[];
  /** Warnings as Docker prints them (empty continuation lines). */
  warnings: string[];
}

/** A parse error; `line` is the Dockerfile line it concerns (worded as dockerd's legacy builder). */
export class DockerfileParseError extends Error {
  constructor(
    readonly line: number,
    readonly detail: string,
  ) {
    super(`dockerfile parse error line ${line}: ${detail}`);
  }
}

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const HEREDOC_CMDS = new Set(['run', 'copy', 'add']);
/** `<<EOF`, `<<-EOF`, `<<"EOF"`, `<<'EOF'` as a word of the instruction. */
const HEREDOC = /<<(-?)(["']?)([A-Za-z_][A-Za-z0-9_]*)\2/g;

function isComment(line: string): boolean {
  return /^\s*#/.test(line);
}

export function parseDockerfile(text: string): Dockerfile {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  let escape = '\\';
  let syntax: string | undefined;
  const seen = new Set<string>();
  let i = 0;
  // Directives: only at the very top, before any blank line, comment or instruction.
  for (; i < lines.length; i++) {
    const m = DIRECTIVE.exec(lines[i]);
    if (!m) break;
    const name = m[1].toLowerCase();
    if (name === 'escape' || name === 'syntax') {
      if (seen.has(name)) throw new DockerfileParseError(i + 1, `only one ${name} parser directive can be used`);
      seen.add(name);
    }
    if (name === 'escape') {
      if (m[2] !== '\\' && m[2] !== '`') throw new DockerfileParseError(i + 1, `invalid escape token '${m[2]}' does not match ` + '` or \\');
      escape = m[2];
    } else if (name === 'syntax') syntax = m[2];
  }
  const continuation = new RegExp(`${escape === '\\' ? '\\\\' : '`'}[ \\t]*$`);
  const nodes: Node[] = [];
  const warnings: string[] = [];
  while (i < lines.length) {
    const first = lines[i];
    if (first.trim() === '' || isComment(first)) {
      i++;
      continue;
    }
    const startLine = i + 1;
    let joined = first;
    let emptyContinuation = false;
    while (continuation.test(joined) && i + 1 < lines.length) {
      joined = joined.replace(continuation, '');
      i++;
      // Comment lines and empty lines inside a continuation are dropped, as Docker does.
      while (i < lines.length && (isComment(lines[i]) || lines[i].trim() === '')) {
        if (lines[i].trim() === '') emptyContinuation = true;
        i++;
      }
      if (i >= lines.length) break;
      joined += lines[i];
    }
    if (continuation.test(joined)) joined = joined.replace(continuation, '');
    if (emptyContinuation) warnings.push(`[WARNING]: Empty continuation line found in: ${joined.trim()}`);
    const m = /^\s*(\S+)\s*([\s\S]*?)\s*$/.exec(joined);
    if (!m) {
      i++;
      continue;
    }
    const cmd = m[1].toLowerCase();
    const rest = m[2];
    const heredocs: Heredoc[] = [];
    let endLine = i + 1;
    if (HEREDOC_CMDS.has(cmd) || (cmd === 'onbuild' && /^\s*(run|copy|add)\b/i.test(rest))) {
      for (const h of rest.matchAll(HEREDOC)) {
        const strip = h[1] === '-';
        const body: string[] = [];
        let closed = false;
        while (++i < lines.length) {
          const l = strip ? lines[i].replace(/^\t+/, '') : lines[i];
          if (l === h[3]) {
            closed = true;
            break;
          }
          body.push(l);
        }
        if (!closed) throw new DockerfileParseError(startLine, `unterminated heredoc ${h[3]}`);
        heredocs.push({ name: h[3], content: body.map((b) => b + '\n').join(''), expand: h[2] === '' });
        endLine = i + 1;
      }
    }
    nodes.push({ cmd, rest, original: joined.trim(), startLine, endLine, heredocs });
    i++;
  }
  return { escape, syntax, nodes, warnings };
}
