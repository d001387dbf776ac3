import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkArgCount, parseArgs, UsageError, type CommandSpec } from './args.js';

const runSpec: CommandSpec = {
  name: 'run',
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  interspersed: false,
  minArgs: 1,
  flags: [
    { name: 'detach', short: 'd', type: 'bool' },
    { name: 'interactive', short: 'i', type: 'bool' },
    { name: 'tty', short: 't', type: 'bool' },
    { name: 'rm', type: 'bool' },
    { name: 'name', type: 'string' },
    { name: 'env', short: 'e', type: 'list' },
    { name: 'publish', short: 'p', type: 'list' },
    { name: 'sig-proxy', type: 'bool' },
  ],
};

test('combined short flags and attached values', () => {
  const p = parseArgs(runSpec, ['-dit', '-p8080:80', '-e=A=1', '-e', 'B=2', 'img']);
  assert.equal(p.bool('detach'), true);
  assert.equal(p.bool('interactive'), true);
  assert.equal(p.bool('tty'), true);
  assert.deepEqual(p.list('publish'), ['8080:80']);
  assert.deepEqual(p.list('env'), ['A=1', 'B=2']);
  assert.deepEqual(p.args, ['img']);
});

test('--flag=value and --flag value; bool only takes =value', () => {
  const p = parseArgs(runSpec, ['--name=x', '--rm', '--sig-proxy=false', 'img', 'true']);
  assert.equal(p.string('name'), 'x');
  assert.equal(p.bool('rm'), true);
  assert.equal(p.bool('sig-proxy', true), false);
  assert.deepEqual(p.args, ['img', 'true']);
  const q = parseArgs(runSpec, ['--name', 'y', 'img']);
  assert.equal(q.string('name'), 'y');
});

test('flags after the image belong to the container (non-interspersed)', () => {
  const p = parseArgs(runSpec, ['--rm', 'img', 'ls', '-la', '--name', 'z']);
  assert.equal(p.string('name'), undefined);
  assert.deepEqual(p.args, ['img', 'ls', '-la', '--name', 'z']);
});

test('interspersed commands accept flags after arguments; -- ends flags; - is an argument', () => {
  const spec: CommandSpec = { name: 'rm', usage: '', flags: [{ name: 'force', short: 'f', type: 'bool' }] };
  const p = parseArgs(spec, ['a', '-f', 'b', '--', '-c', '-']);
  assert.equal(p.bool('force'), true);
  assert.deepEqual(p.args, ['a', 'b', '-c', '-']);
  assert.deepEqual(parseArgs(spec, ['-']).args, ['-']);
});

test('docker error messages for bad flags', () => {
  assert.throws(() => parseArgs(runSpec, ['--foo']), (e: unknown) => e instanceof UsageError && e.message === 'unknown flag: --foo' && e.kind === 'flag');
  assert.throws(() => parseArgs(runSpec, ['-dz']), { message: "unknown shorthand flag: 'z' in -dz" });
  assert.throws(() => parseArgs(runSpec, ['--name']), { message: 'flag needs an argument: --name' });
  assert.throws(() => parseArgs(runSpec, ['-e']), { message: "flag needs an argument: 'e' in -e" });
  assert.throws(() => parseArgs(runSpec, ['--rm=maybe', 'img']), /invalid argument "maybe" for "--rm" flag/);
});

test('argument counts as cobra words them', () => {
  assert.throws(() => checkArgCount({ ...runSpec, name: 'rm', minArgs: 1 }, 0), { message: "'wharf rm' requires at least 1 argument" });
  assert.throws(() => checkArgCount({ ...runSpec, name: 'rename', minArgs: 2, maxArgs: 2 }, 1), { message: "'wharf rename' requires exactly 2 arguments" });
  assert.throws(() => checkArgCount({ ...runSpec, name: 'ps', minArgs: 0, maxArgs: 0 }, 1), { message: "'wharf ps' accepts no arguments" });
  assert.doesNotThrow(() => checkArgCount({ ...runSpec, minArgs: 1 }, 3));
});

test('int flags reject non-numbers with a usage error', () => {
  const spec: CommandSpec = { name: 'ps', usage: '', flags: [{ name: 'last', short: 'n', type: 'int' }] };
  assert.equal(parseArgs(spec, ['-n', '3']).int('last'), 3);
  assert.throws(() => parseArgs(spec, ['-n', 'x']).int('last'), UsageError);
});
