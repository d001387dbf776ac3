/**
 * Typed Dockerfile instructions and stages. Arguments stay raw here: variable substitution
 * depends on the ENV/ARG state at the point of execution, so the builder expands them.
 */
import { DockerfileParseError, parseDockerfile, type Heredoc, type Node } from './parser.js';
import { splitWordsKeepQuotes } from './shell-lex.js';

/** Exec form (JSON array) or shell form (a string run by the stage's SHELL). */
export type CommandLine = { exec: true; args: string[] } | { exec: false; text: string };

export interface KeyValue {
  key: string;
  /** Raw value (quotes still in); undefined for an ARG without default. */
  value?: string;
}

export type Instruction =
  | { kind: 'from'; image: string; stageName?: string; platform?: string }
  | { kind: 'run'; cmd: CommandLine; network?: string; heredocs: Heredoc[] }
  | { kind: 'cmd' | 'entrypoint'; cmd: CommandLine }
  | { kind: 'env' | 'label'; pairs: KeyValue[] }
  | { kind: 'arg'; pairs: KeyValue[] }
  | { kind: 'expose'; text: string }
  | { kind: 'volume'; json?: string[]; text?: string }
  | { kind: 'user' | 'workdir' | 'stopsignal' | 'maintainer'; text: string }
  | { kind: 'copy' | 'add'; from?: string; chown?: string; chmod?: string; link: boolean; json?: string[]; text?: string; heredocs: Heredoc[] }
  | { kind: 'shell'; shell: string[] }
  | { kind: 'healthcheck'; none: true }
  | { kind: 'healthcheck'; none: false; cmd: CommandLine; interval?: string; timeout?: string; startPeriod?: string; startInterval?: string; retries?: string }
  | { kind: 'onbuild'; expression: string };

export interface Step {
  node: Node;
  inst: Instruction;
}

export interface Stage {
  /** Position among the stages (COPY --from=N). */
  index: number;
  /** Lower-cased `AS` name. */
  name?: string;
  from: Step & { inst: { kind: 'from' } };
  steps: Step[];
}

export interface ParsedFile {
  escape: string;
  /** ARG instructions before the first FROM. */
  globalArgs: KeyValue[];
  stages: Stage[];
  warnings: string[];
}

const KNOWN = new Set([
  'from', 'run', 'cmd', 'entrypoint', 'env', 'arg', 'label', 'expose', 'volume', 'user', 'workdir',
  'stopsignal', 'maintainer', 'copy', 'add', 'shell', 'healthcheck', 'onbuild',
]);

type Flags = Map<string, string | true>;

/** Leading `--name[=value]` words; anything not in `allowed` is Docker's "Unknown flag". */
function takeFlags(rest: string, allowed: string[], line: number): { flags: Flags; rest: string } {
  const flags: Flags = new Map();
  let r = rest;
  for (;;) {
    const m = /^--([A-Za-z0-9-]+)(?:=("[^"]*"|\S*))?(?:\s+|$)/.exec(r);
    if (!m) break;
    if (!allowed.includes(m[1])) throw new DockerfileParseError(line, `Unknown flag: ${m[1]}`);
    flags.set(m[1], m[2] === undefined ? true : m[2].replace(/^"(.*)"$/, '$1'));
    r = r.slice(m[0].length);
  }
  return { flags, rest: r };
}

function flagString(flags: Flags, name: string): string | undefined {
  const v = flags.get(name);
  return v === undefined ? undefined : v === true ? '' : v;
}

/** JSON array of strings, or undefined when the text is not one (then it is shell form). */
function jsonArray(text: string): string[] | undefined {
  const t = text.trim();
  if (!t.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    /* shell form */
  }
  return undefined;
}

function commandLine(text: string): CommandLine {
  const json = jsonArray(text);
  return json ? { exec: true, args: json } : { exec: false, text };
}

function upper(cmd: string): string {
  return cmd.toUpperCase();
}

/** ENV/LABEL: `k=v k2="v 2"` or the legacy single `key value` form. */
function keyValues(node: Node, escape: string): KeyValue[] {
  const name = upper(node.cmd);
  const words = splitWordsKeepQuotes(node.rest, escape);
  if (words.length === 0) throw new DockerfileParseError(node.startLine, `${name} requires at least one argument`);
  if (!words[0].includes('=')) {
    // Legacy form: the first word is the name, the rest of the line is the value.
    const m = /^(\S+)\s*([\s\S]*)$/.exec(node.rest.trim());
    if (!m || m[2] === '') throw new DockerfileParseError(node.startLine, `${name} must have two arguments`);
    return [{ key: m[1], value: m[2] }];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq < 0) throw new DockerfileParseError(node.startLine, `Syntax error - can't find = in "${w}". Must be of the form: name=value`);
    if (eq === 0) throw new DockerfileParseError(node.startLine, `${name} names can not be blank`);
    return { key: w.slice(0, eq), value: w.slice(eq + 1) };
  });
}

export function parseInstruction(node: Node, escape: string): Instruction {
  const line = node.startLine;
  const name = upper(node.cmd);
  const rest = node.rest;
  if (!KNOWN.has(node.cmd)) throw new DockerfileParseError(line, `unknown instruction: ${name}`);
  const needArg = () => {
    if (rest.trim() === '') throw new DockerfileParseError(line, `${name} requires at least one argument`);
  };
  const exactlyOne = (t: string): string => {
    if (t.trim() === '') throw new DockerfileParseError(line, `${name} requires exactly one argument`);
    return t.trim();
  };
  switch (node.cmd) {
    case 'from': {
      const { flags, rest: r } = takeFlags(rest, ['platform'], line);
      const words = r.trim().split(/\s+/).filter((w) => w !== '');
      if (words.length !== 1 && !(words.length === 3 && words[1].toLowerCase() === 'as')) {
        throw new DockerfileParseError(line, 'FROM requires either one or three arguments');
      }
      const stageName = words[2]?.toLowerCase();
      if (stageName !== undefined && !/^[a-z][a-z0-9-_.]*$/.test(stageName)) {
        throw new DockerfileParseError(line, `invalid name for build stage: "${words[2]}", name can't start with a number or contain symbols`);
      }
      return { kind: 'from', image: words[0], stageName, platform: flagString(flags, 'platform') };
    }
    case 'run': {
      const { flags, rest: r } = takeFlags(rest, ['network', 'mount', 'security'], line);
      if (flags.has('mount')) throw new DockerfileParseError(line, 'the --mount option requires BuildKit');
      if (r.trim() === '') throw new DockerfileParseError(line, 'RUN requires at least one argument');
      return { kind: 'run', cmd: commandLine(r), network: flagString(flags, 'network'), heredocs: node.heredocs };
    }
    case 'cmd':
    case 'entrypoint':
      return { kind: node.cmd, cmd: commandLine(rest) };
    case 'env':
    case 'label':
      return { kind: node.cmd, pairs: keyValues(node, escape) };
    case 'arg': {
      const words = splitWordsKeepQuotes(rest, escape);
      if (words.length === 0) throw new DockerfileParseError(line, 'ARG requires at least one argument');
      return {
        kind: 'arg',
        pairs: words.map((w) => {
          const eq = w.indexOf('=');
          if (eq === 0) throw new DockerfileParseError(line, 'ARG names can not be blank');
          return eq < 0 ? { key: w } : { key: w.slice(0, eq), value: w.slice(eq + 1) };
        }),
      };
    }
    case 'expose':
      needArg();
      return { kind: 'expose', text: rest };
    case 'volume': {
      needArg();
      const json = jsonArray(rest);
      return json ? { kind: 'volume', json } : { kind: 'volume', text: rest };
    }
    case 'user':
    case 'workdir':
    case 'stopsignal':
      return { kind: node.cmd, text: exactlyOne(rest) };
    case 'maintainer':
      needArg();
      return { kind: 'maintainer', text: rest.trim() };
    case 'copy':
    case 'add': {
      const allowed = node.cmd === 'copy' ? ['from', 'chown', 'chmod', 'link', 'parents', 'exclude'] : ['chown', 'chmod', 'link', 'checksum', 'keep-git-dir'];
      const { flags, rest: r } = takeFlags(rest, allowed, line);
      for (const f of ['parents', 'exclude', 'checksum', 'keep-git-dir']) {
        if (flags.has(f)) throw new DockerfileParseError(line, `the --${f} option requires BuildKit`);
      }
      const json = jsonArray(r);
      const count = json ? json.length : splitWordsKeepQuotes(r, escape).length;
      if (count < 2) throw new DockerfileParseError(line, `${name} requires at least two arguments, but only one was provided. Destination could not be determined.`);
      const link = flags.get('link');
      return {
        kind: node.cmd,
        from: flagString(flags, 'from'),
        chown: flagString(flags, 'chown'),
        chmod: flagString(flags, 'chmod'),
        link: link === true || link === 'true',
        ...(json ? { json } : { text: r }),
        heredocs: node.heredocs,
      };
    }
    case 'shell': {
      const json = jsonArray(rest);
      if (!json) throw new DockerfileParseError(line, 'SHELL requires the arguments to be in JSON form');
      if (json.length === 0) throw new DockerfileParseError(line, 'SHELL requires at least one argument');
      return { kind: 'shell', shell: json };
    }
    case 'healthcheck': {
      const { flags, rest: r } = takeFlags(rest, ['interval', 'timeout', 'start-period', 'start-interval', 'retries'], line);
      const words = r.trim().split(/\s+/);
      const type = words[0]?.toUpperCase();
      if (type === 'NONE') {
        if (words.length > 1 || flags.size > 0) throw new DockerfileParseError(line, 'HEALTHCHECK NONE takes no arguments');
        return { kind: 'healthcheck', none: true };
      }
      if (type !== 'CMD') throw new DockerfileParseError(line, `Unknown type "${words[0] ?? ''}" in HEALTHCHECK (try CMD)`);
      const cmdText = r.trim().slice(3).trim();
      if (cmdText === '') throw new DockerfileParseError(line, 'Missing command after HEALTHCHECK CMD');
      return {
        kind: 'healthcheck',
        none: false,
        cmd: commandLine(cmdText),
        interval: flagString(flags, 'interval'),
        timeout: flagString(flags, 'timeout'),
        startPeriod: flagString(flags, 'start-period'),
        startInterval: flagString(flags, 'start-interval'),
        retries: flagString(flags, 'retries'),
      };
    }
    case 'onbuild': {
      const expression = rest.trim();
      const word = expression.split(/\s+/)[0]?.toUpperCase() ?? '';
      if (word === '') throw new DockerfileParseError(line, 'ONBUILD requires at least one argument');
      if (word === 'ONBUILD') throw new DockerfileParseError(line, 'Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
      if (word === 'FROM' || word === 'MAINTAINER') throw new DockerfileParseError(line, `${word} isn't allowed as an ONBUILD trigger`);
      if (!KNOWN.has(word.toLowerCase())) throw new DockerfileParseError(line, `unknown instruction: ${word}`);
      return { kind: 'onbuild', expression };
    }
  }
  throw new DockerfileParseError(line, `unknown instruction: ${name}`);
}

/** Parses a whole Dockerfile into global ARGs and stages. Every instruction is checked up front. */
export function parseStages(text: string): ParsedFile {
  const df = parseDockerfile(text);
  const globalArgs: KeyValue[] = [];
  const stages: Stage[] = [];
  for (const node of df.nodes) {
    const inst = parseInstruction(node, df.escape);
    if (inst.kind === 'from') {
      stages.push({ index: stages.length, name: inst.stageName, from: { node, inst }, steps: [] });
    } else if (stages.length === 0) {
      if (inst.kind !== 'arg') throw new DockerfileParseError(node.startLine, 'no build stage in current context');
      globalArgs.push(...inst.pairs);
    } else {
      stages[stages.length - 1].steps.push({ node, inst });
    }
  }
  if (stages.length === 0) throw new Error('the Dockerfile (Dockerfile) cannot be empty');
  const names = new Set<string>();
  for (const s of stages) {
    if (!s.name) continue;
    if (names.has(s.name)) throw new DockerfileParseError(s.from.node.startLine, `duplicate name ${s.name}`);
    names.add(s.name);
  }
  return { escape: df.escape, globalArgs, stages, warnings: df.warnings };
}
