/**
 * kubectl workflows beyond single commands: applying a directory of multi-document files,
 * `edit` through EDITOR, `diff` (server-side dry run), and `delete --wait`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type ServerProcess } from './server-process.js';

let s: ServerProcess;
let work: string;
const ns = `k${Date.now().toString(36)}`;
const ok = (args: string[], env?: Record<string, string>): string => {
  const r = s.kubectl(args, { env });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}${r.stdout}`);
  return r.stdout;
};

before(async () => {
  s = await startServer();
  work = mkdtempSync(join(tmpdir(), 'wharf-flow-'));
});
after(async () => {
  await s?.stop();
  rmSync(work, { recursive: true, force: true });
});

test('apply -f DIR applies every document of every file', () => {
  const dir = join(work, 'manifests');
  mkdirSync(dir);
  writeFileSync(join(dir, '00-ns.yaml'), `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}\n`);
  writeFileSync(join(dir, '10-cms.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: one, namespace: ${ns}}\ndata: {level: "1"}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: two, namespace: ${ns}}\ndata: {level: "2"}\n`);
  writeFileSync(join(dir, '20-secret.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'three', namespace: ns }, stringData: { pw: 'x' } }));
  const out = ok(['apply', '-f', dir]);
  assert.match(out, new RegExp(`namespace/${ns} created`));
  assert.match(out, /configmap\/one created\nconfigmap\/two created\nsecret\/three created/);
  assert.equal(ok(['get', 'cm,secret', '-n', ns, '-o', 'name']).trim().split('\n').length, 3);
  assert.equal(ok(['get', 'secret', 'three', '-n', ns, '-o', 'jsonpath={.data.pw}']), Buffer.from('x').toString('base64'));
});

test('edit changes an object through $EDITOR', () => {
  const editor = join(work, 'editor.sh');
  writeFileSync(editor, '#!/bin/sh\nsed -i \'s/level: "1"/level: edited/\' "$1"\n');
  chmodSync(editor, 0o755);
  assert.match(ok(['edit', 'cm', 'one', '-n', ns], { EDITOR: editor, KUBE_EDITOR: editor }), /configmap\/one edited/);
  assert.equal(ok(['get', 'cm', 'one', '-n', ns, '-o', 'jsonpath={.data.level}']), 'edited');
});

test('diff shows what an apply would change without changing it', () => {
  const f = join(work, 'two.yaml');
  writeFileSync(f, `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: two, namespace: ${ns}}\ndata: {level: "22"}\n`);
  const r = s.kubectl(['diff', '-f', f]);
  assert.equal(r.code, 1, `diff exits 1 when there are differences: ${r.stderr}`);
  assert.match(r.stdout, /^-  level: "2"$/m);
  assert.match(r.stdout, /^\+  level: "22"$/m);
  assert.equal(ok(['get', 'cm', 'two', '-n', ns, '-o', 'jsonpath={.data.level}']), '2', 'dry run stored nothing');
  writeFileSync(f, `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: two, namespace: ${ns}}\ndata: {level: "2"}\n`);
  assert.equal(s.kubectl(['diff', '-f', f]).code, 0);
});

test('delete --wait returns once the objects are gone', () => {
  assert.match(ok(['delete', 'cm', 'one', 'two', '-n', ns, '--wait']), /configmap "one" deleted\nconfigmap "two" deleted/);
  assert.equal(ok(['get', 'cm', '-n', ns, '-o', 'name']).trim(), '');
});

test('apply --prune deletes labelled objects no longer in the manifests; create cronjob', () => {
  const two = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: p1, namespace: ${ns}, labels: {set: x}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: p2, namespace: ${ns}, labels: {set: x}}\n`;
  const f = join(work, 'prune.yaml');
  writeFileSync(f, two);
  ok(['apply', '-f', f]);
  writeFileSync(f, two.split('---')[0]);
  assert.match(ok(['apply', '-f', f, '--prune', '-l', 'set=x']), /configmap\/p2 pruned/);
  assert.equal(ok(['get', 'cm', '-n', ns, '-l', 'set=x', '-o', 'name']).trim(), 'configmap/p1');
  ok(['create', 'cronjob', 'nightly', '-n', ns, '--image=busybox', '--schedule=0 3 * * *', '--', 'echo', 'hi']);
  const cj = JSON.parse(ok(['get', 'cronjob', 'nightly', '-n', ns, '-o', 'json']));
  assert.equal(cj.spec.schedule, '0 3 * * *');
  assert.equal(cj.spec.jobTemplate.spec.template.spec.containers[0].image, 'busybox');
  assert.equal(cj.spec.concurrencyPolicy, 'Allow');
});
