import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTemplate, TemplateError } from './template.js';

const ctr = {
  Id: 'abc',
  Name: '/web',
  Config: { Image: 'busybox', Cmd: ['sh', '-c', 'x'], Labels: { b: '2', a: '1' }, Env: null },
  State: { Running: true, ExitCode: 0, Pid: 42 },
  NetworkSettings: { Networks: { none: { IPAddress: '' } } },
};

test('fields, chains and Go value printing', () => {
  assert.equal(renderTemplate('{{.Config.Image}}', ctr), 'busybox');
  assert.equal(renderTemplate('{{.State.Pid}} {{.State.Running}}', ctr), '42 true');
  assert.equal(renderTemplate('{{.Config.Cmd}}', ctr), '[sh -c x]');
  assert.equal(renderTemplate('{{.Config.Labels}}', ctr), 'map[a:1 b:2]');
  assert.equal(renderTemplate('{{.Config.Env}}', ctr), '<nil>');
  assert.equal(renderTemplate('{{.}}', 'plain'), 'plain');
});

test('json, join, upper, lower, title, split, index, len, println, printf', () => {
  assert.equal(renderTemplate('{{json .Config.Labels}}', ctr), '{"b":"2","a":"1"}');
  assert.equal(renderTemplate('{{join .Config.Cmd ","}}', ctr), 'sh,-c,x');
  assert.equal(renderTemplate('{{upper .Config.Image}}|{{lower "AB"}}|{{title "hello world"}}', ctr), 'BUSYBOX|ab|Hello World');
  assert.equal(renderTemplate('{{index .Config.Labels "a"}}/{{index .Config.Cmd 1}}', ctr), '1/-c');
  assert.equal(renderTemplate('{{len .Config.Cmd}}', ctr), '3');
  assert.equal(renderTemplate('{{println .Id}}', ctr), 'abc\n');
  assert.equal(renderTemplate('{{printf "%s-%d" .Id .State.Pid}}', ctr), 'abc-42');
  assert.equal(renderTemplate('{{index (split "a:b" ":") 1}}', ctr), 'b');
  assert.equal(renderTemplate('{{.Config.Image | upper}}', ctr), 'BUSYBOX');
  assert.equal(renderTemplate('{{truncate .Config.Image 3}}{{pad "x" 1 2}}|', ctr), 'bus x  |');
});

test('range with variables, if/else if/else, with, trim markers', () => {
  assert.equal(renderTemplate('{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}', ctr), 'a=1;b=2;');
  assert.equal(renderTemplate('{{range .Config.Cmd}}[{{.}}]{{end}}', ctr), '[sh][-c][x]');
  assert.equal(renderTemplate('{{range $i, $n := .NetworkSettings.Networks}}{{$i}}{{end}}', ctr), 'none');
  assert.equal(renderTemplate('{{range .Config.Env}}x{{else}}empty{{end}}', ctr), 'empty');
  assert.equal(renderTemplate('{{if .State.Running}}up{{else}}down{{end}}', ctr), 'up');
  assert.equal(renderTemplate('{{if eq .State.Pid 1}}one{{else if gt .State.Pid 10}}big{{else}}small{{end}}', ctr), 'big');
  assert.equal(renderTemplate('{{with .State}}{{.Pid}}{{end}}', ctr), '42');
  assert.equal(renderTemplate('a  {{- .Id -}}  b', ctr), 'aabcb');
  assert.equal(renderTemplate('{{$x := .}}{{$x}}{{$}}', 'q'), 'qq');
  assert.equal(renderTemplate('{{if and .State.Running (not .Config.Env)}}ok{{end}}', ctr), 'ok');
});

test('methods with arguments on row contexts', () => {
  const row = { Names: 'web', Label: (k: unknown) => ({ a: '1' } as Record<string, string>)[String(k)] ?? '' };
  assert.equal(renderTemplate('{{.Names}} {{.Label "a"}}', row), 'web 1');
});

test('missing keys: <no value>, or docker inspect error with position', () => {
  assert.equal(renderTemplate('{{.Nope}}', ctr), '<no value>');
  assert.throws(() => renderTemplate('{{.Foo}}', ctr, { missingKey: 'error' }), { message: 'template: :1:2: executing "" at <.Foo>: map has no entry for key "Foo"' });
  assert.throws(() => renderTemplate('{{.State.Foo.Bar}}', ctr, { missingKey: 'zero' }), /nil pointer evaluating/);
});

test('parse errors', () => {
  assert.throws(() => renderTemplate('{{.Id', ctr), TemplateError);
  assert.throws(() => renderTemplate('{{nosuchfn .Id}}', ctr), { message: 'template: :1: function "nosuchfn" not defined' });
  assert.throws(() => renderTemplate('{{if .Id}}x', ctr), /unexpected EOF/);
  assert.throws(() => renderTemplate('{{end}}', ctr), TemplateError);
});
