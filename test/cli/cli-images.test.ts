/** End to end: wharf's image commands against a real daemon, compared with the docker CLI. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { busyboxRootfsTar } from '../support/busybox-rootfs.js';
import { docker, startTestDaemon, uniqueName, wharf, type TestDaemon } from './test-daemon.js';

describe('wharf CLI: images', () => {
  let d: TestDaemon;
  const repo = uniqueName('wh-cli-img');
  const refs: string[] = [];
  let tarPath = '';

  before(async () => {
    d = await startTestDaemon();
    tarPath = join(d.dir, 'rootfs.tar');
    writeFileSync(tarPath, await busyboxRootfsTar());
  });
  after(async () => {
    if (!d) return;
    try {
      if (refs.length > 0) await wharf(d, ['rmi', '-f', ...refs]);
    } finally {
      await d.stop();
    }
  });

  test('import a rootfs with --change and -m, then run it', async () => {
    const ref = `${repo}:base`;
    refs.push(ref);
    const r = await wharf(d, ['import', '-m', 'imported by test', '-c', 'CMD ["echo","from-cmd"]', '--change', 'ENV GREETING=hi', tarPath, ref]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^sha256:[0-9a-f]{64}\n$/);
    const run = await wharf(d, ['run', '--rm', '--network', 'none', ref]);
    assert.equal(run.stdout, 'from-cmd\n');
    const env = await wharf(d, ['run', '--rm', '--network', 'none', ref, 'sh', '-c', 'echo $GREETING']);
    assert.equal(env.stdout, 'hi\n');
    const h = await wharf(d, ['history', '--format', '{{.Comment}}|{{.Size}}', ref]);
    assert.equal(h.stdout, 'imported by test|' + h.stdout.split('|')[1]);
  });

  test('import from stdin with -', async () => {
    const ref = `${repo}:stdin`;
    refs.push(ref);
    const r = await wharf(d, ['import', '-', ref], { input: readFileSync(tarPath) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await wharf(d, ['images', '-q', ref])).stdout, r.stdout.slice(7, 19) + '\n');
  });

  test('images, tag, --format, -q, --digests, --no-trunc and image inspect match the docker CLI', async () => {
    const tagged = `${repo}:tagged`;
    refs.push(tagged);
    assert.equal((await wharf(d, ['tag', `${repo}:base`, tagged])).code, 0);
    const fmt = '{{.Repository}}|{{.Tag}}|{{.ID}}|{{.Size}}|{{.Digest}}|{{.Containers}}';
    for (const args of [['images', repo, '--format', fmt], ['images', '-q', repo], ['images', '--no-trunc', '-q', repo], ['image', 'ls', '--filter', `reference=${repo}:tagged`, '--format', '{{json .Tag}}']]) {
      const [w, k] = [await wharf(d, args), await docker(d, args)];
      assert.equal(w.code, 0, w.stderr);
      assert.equal(w.stdout, k.stdout, `wharf ${args.join(' ')}`);
    }
    const table = await wharf(d, ['images', repo]);
    const dtable = await docker(d, ['images', repo]);
    assert.equal(table.stdout.split('\n')[0], dtable.stdout.split('\n')[0]);
    assert.match(table.stdout.split('\n')[0], /^REPOSITORY {3,}TAG {7}IMAGE ID {7}CREATED {3,}SIZE$/);
    assert.equal(table.stdout.split('\n').length, 4 + 1);
    const digests = await wharf(d, ['images', '--digests', repo]);
    assert.match(digests.stdout.split('\n')[0], /^REPOSITORY {3,}TAG {7}DIGEST {4}IMAGE ID/);
    const [wi, ki] = [await wharf(d, ['image', 'inspect', tagged]), await docker(d, ['image', 'inspect', tagged])];
    assert.equal(wi.stdout, ki.stdout);
    const f = await wharf(d, ['image', 'inspect', '-f', '{{index .RepoTags 0}} {{.Config.Cmd}}', `${repo}:base`]);
    assert.equal(f.stdout, `${repo}:base [echo from-cmd]\n`);
    const rm = await wharf(d, ['rmi', tagged]);
    assert.equal(rm.stdout, `Untagged: ${tagged}\n`);
  });

  test('save -o then load -i round-trips an image; save to stdout and load from stdin', async () => {
    const ref = `${repo}:saved`;
    refs.push(ref);
    assert.equal((await wharf(d, ['tag', `${repo}:base`, ref])).code, 0);
    const out = join(d.dir, 'saved.tar');
    const s = await wharf(d, ['save', '-o', out, ref]);
    assert.equal(s.code, 0, s.stderr);
    assert.ok(readFileSync(out).includes(Buffer.from('manifest.json')));
    assert.equal((await wharf(d, ['rmi', ref])).code, 0);
    const l = await wharf(d, ['load', '-i', out]);
    assert.equal(l.code, 0, l.stderr);
    assert.equal(l.stdout, `Loaded image: ${ref}\n`);
    assert.equal((await wharf(d, ['rmi', ref])).code, 0);
    const l2 = await wharf(d, ['load', '-q'], { input: readFileSync(out) });
    assert.equal(l2.stdout, `Loaded image: ${ref}\n`);
    const loaded = await wharf(d, ['run', '--rm', '--network', 'none', ref]);
    assert.equal(loaded.stdout, 'from-cmd\n');
  });

  test('rmi refuses an image a container uses unless -f; errors for unknown images', async () => {
    const ref = `${repo}:inuse`;
    refs.push(ref);
    const name = uniqueName('wh-cli-user');
    const imported = await wharf(d, ['import', tarPath, ref]);
    assert.equal(imported.code, 0);
    try {
      assert.equal((await wharf(d, ['create', '--network', 'none', '--name', name, ref, 'true'])).code, 0);
      const id = (await wharf(d, ['images', '-q', ref])).stdout.trim();
      const refused = await wharf(d, ['rmi', id]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /^Error response from daemon: conflict: unable to delete [0-9a-f]{12} \(must be forced\) - image is being used by stopped container [0-9a-f]{12}\n$/);
    } finally {
      await wharf(d, ['rm', '-f', name]);
    }
    const unknown = await wharf(d, ['rmi', 'wh-cli-never-was:1']);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, 'Error response from daemon: No such image: wh-cli-never-was:1\n');
    const badRef = await wharf(d, ['tag', `${repo}:base`, 'Bad/Upper']);
    assert.equal(badRef.code, 1);
    assert.match(badRef.stderr, /invalid reference format/);
  });

  test('image prune, system df, version and info talk to the daemon', async () => {
    const prune = await wharf(d, ['image', 'prune', '-f']);
    assert.equal(prune.code, 0);
    assert.match(prune.stdout, /Total reclaimed space: \S+\n$/);
    const [w, k] = [await wharf(d, ['system', 'df']), await docker(d, ['system', 'df'])];
    assert.equal(w.stdout, k.stdout);
    const v = await wharf(d, ['version', '--format', '{{.Server.Version}}']);
    const kv = await docker(d, ['version', '--format', '{{.Server.Version}}']);
    assert.equal(v.stdout, kv.stdout);
    const info = await wharf(d, ['info', '--format', '{{.Images}}']);
    assert.equal(info.stdout, (await docker(d, ['info', '--format', '{{.Images}}'])).stdout);
    const full = await wharf(d, ['version']);
    assert.match(full.stdout, /^Client:\n Version: +0\.1\.0\n/);
    assert.match(full.stdout, /\nServer:/);
  });
});
