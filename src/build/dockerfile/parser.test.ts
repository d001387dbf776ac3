import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DockerfileParseError, parseDockerfile } from './parser.js';
import { parseStages } from './instructions.js';

test('directives: escape and syntax at the top only', () => {
  const df = parseDockerfile('# syntax=docker/dockerfile:1\n# escape=`\nFROM busybox\nRUN echo a `\n  b\n');
  assert.equal(df.escape, '`');
  assert.equal(df.syntax, 'docker/dockerfile:1');
  assert.equal(df.nodes[1].rest, 'echo a   b');
  // After a blank line a directive is only a comment.
  const late = parseDockerfile('\n# escape=`\nFROM busybox\nRUN echo a \\\n b\n');
  assert.equal(late.escape, '\\');
  assert.equal(late.nodes[1].rest, 'echo a  b');
});

test('directives: a second escape is an error, a bad token is an error', () => {
  assert.throws(() => parseDockerfile('# escape=`\n# escape=\\\nFROM x\n'), /only one escape parser directive/);
  assert.throws(() => parseDockerfile('# escape=x\nFROM x\n'), /invalid escape token/);
});

test('comments and empty lines inside continuations are dropped', () => {
  const df = parseDockerfile('FROM busybox\nRUN echo a \\\n# a comment\n\n  && echo b\n# trailing\nCMD ["sh"]\n');
  assert.deepEqual(df.nodes.map((n) => n.cmd), ['from', 'run', 'cmd']);
  assert.equal(df.nodes[1].rest, 'echo a   && echo b');
  assert.equal(df.nodes[1].startLine, 2);
  assert.equal(df.nodes[2].startLine, 7);
  assert.equal(df.warnings.length, 1);
});

test('heredocs: plain, <<- strips tabs, quoted delimiter disables expansion, several per line', () => {
  const df = parseDockerfile('FROM busybox\nRUN <<EOF\necho $HOME\nEOF\nCOPY <<-"A" <<B /dst/\n\tone $x\n\tA\ntwo\nB\nCMD x\n');
  const run = df.nodes[1];
  assert.deepEqual(run.heredocs, [{ name: 'EOF', content: 'echo $HOME\n', expand: true }]);
  const copy = df.nodes[2];
  assert.deepEqual(copy.heredocs, [
    { name: 'A', content: 'one $x\n', expand: false },
    { name: 'B', content: 'two\n', expand: true },
  ]);
  assert.equal(df.nodes[3].cmd, 'cmd');
  assert.equal(df.nodes[3].startLine, 10);
  assert.throws(() => parseDockerfile('FROM x\nRUN <<EOF\nno end\n'), /unterminated heredoc/);
});

test('unknown instruction names its line as Docker prints it', () => {
  assert.throws(
    () => parseStages('FROM busybox\n\nFOO bar\n'),
    (err: unknown) => err instanceof DockerfileParseError && err.message === 'dockerfile parse error line 3: unknown instruction: FOO',
  );
});

test('instruction argument checks', () => {
  assert.throws(() => parseStages('FROM a b\n'), /FROM requires either one or three arguments/);
  assert.throws(() => parseStages('FROM a\nCOPY x\n'), /line 2: COPY requires at least two arguments/);
  assert.throws(() => parseStages('FROM a\nSHELL /bin/sh -c\n'), /SHELL requires the arguments to be in JSON form/);
  assert.throws(() => parseStages('FROM a\nENV a=1 b\n'), /can't find = in "b"/);
  assert.throws(() => parseStages('FROM a\nCOPY --bogus=1 a b\n'), /Unknown flag: bogus/);
  assert.throws(() => parseStages('FROM a\nONBUILD ONBUILD RUN x\n'), /Chaining ONBUILD/);
  assert.throws(() => parseStages('RUN x\n'), /no build stage/);
  assert.throws(() => parseStages('FROM a AS x\nFROM b AS X\n'), /duplicate name x/);
});

test('stages: global ARGs, names, flags, exec vs shell form', () => {
  const p = parseStages('ARG BASE=busybox\nFROM --platform=linux/amd64 ${BASE} AS Build\nRUN ["echo","hi"]\nRUN echo hi\nFROM build\nCOPY --from=build --chown=1:2 --chmod=755 /a /b\nENV A 1 2\nLABEL "x y"=z\n');
  assert.deepEqual(p.globalArgs, [{ key: 'BASE', value: 'busybox' }]);
  assert.equal(p.stages.length, 2);
  assert.deepEqual(p.stages[0].from.inst, { kind: 'from', image: '${BASE}', stageName: 'build', platform: 'linux/amd64' });
  assert.deepEqual(p.stages[0].steps[0].inst, { kind: 'run', cmd: { exec: true, args: ['echo', 'hi'] }, network: undefined, heredocs: [] });
  assert.deepEqual(p.stages[0].steps[1].inst.kind === 'run' && p.stages[0].steps[1].inst.cmd, { exec: false, text: 'echo hi' });
  const copy = p.stages[1].steps[0].inst;
  assert.equal(copy.kind, 'copy');
  if (copy.kind === 'copy') {
    assert.equal(copy.from, 'build');
    assert.equal(copy.chown, '1:2');
    assert.equal(copy.chmod, '755');
  }
  assert.deepEqual(p.stages[1].steps[1].inst, { kind: 'env', pairs: [{ key: 'A', value: '1 2' }] });
  assert.deepEqual(p.stages[1].steps[2].inst, { kind: 'label', pairs: [{ key: '"x y"', value: 'z' }] });
});

test('HEALTHCHECK forms', () => {
  const p = parseStages('FROM a\nHEALTHCHECK --interval=5s --retries=3 CMD curl -f x\nHEALTHCHECK NONE\n');
  assert.deepEqual(p.stages[0].steps[0].inst, {
    kind: 'healthcheck', none: false, cmd: { exec: false, text: 'curl -f x' }, interval: '5s', timeout: undefined, startPeriod: undefined, startInterval: undefined, retries: '3',
  });
  assert.deepEqual(p.stages[0].steps[1].inst, { kind: 'healthcheck', none: true });
  assert.throws(() => parseStages('FROM a\nHEALTHCHECK FOO x\n'), /Unknown type "FOO" in HEALTHCHECK/);
});
