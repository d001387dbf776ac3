/**
 * Build contexts: safe unpacking of hostile tars, in-memory reads, .dockerignore removal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { lstat, mkdtemp, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BuildContext, resolveInRoot } from '../../src/build/context/build-context.js';
import { extractContext } from '../../src/build/context/extract-context.js';
import { makeTar } from '../support/tar-builder.js';

test('hostile context tars write nothing outside the directory', async (t) => {
  const base = await mkdtemp(join(tmpdir(), 'wharf-ctx-'));
  t.after(() => rm(base, { recursive: true, force: true }));
  const outside = join(base, 'outside');
  const root = join(base, 'root');
  await import('node:fs/promises').then((f) => f.mkdir(root));
  // A symlink to a directory outside, then a file "through" it: the file must stay inside.
  const tar = await makeTar([
    { name: 'esc', type: 'symlink', linkname: outside },
    { name: 'esc/pwned', body: 'x' },
    { name: 'ok.txt', body: 'fine', mode: 0o640 },
  ]);
  await extractContext(Readable.from([tar]), root);
  assert.equal(existsSync(join(outside, 'pwned')), false);
  assert.equal(existsSync(outside), false);
  assert.equal(await readFile(join(root, 'esc', 'pwned'), 'utf8'), 'x');
  const climbing = await makeTar([{ name: '../climb', body: 'x' }]);
  await assert.rejects(extractContext(Readable.from([climbing]), root), /outside of the target/);
  assert.equal(existsSync(join(base, 'climb')), false);
  const root2 = join(base, 'root2');
  await import('node:fs/promises').then((f) => f.mkdir(root2));
  const good = await makeTar([
    { name: 'a/b.txt', body: 'b', mode: 0o750 },
    { name: 'link', type: 'symlink', linkname: '/etc/passwd' },
  ]);
  const digests = await extractContext(Readable.from([good]), root2);
  assert.equal(((await lstat(join(root2, 'a/b.txt'))).mode & 0o777), 0o750);
  assert.equal(await readlink(join(root2, 'link')), '/etc/passwd');
  assert.equal(digests.size, 1);
  // Resolution inside the root: the absolute symlink lands in root2/etc/passwd (absent).
  await assert.rejects(resolveInRoot(root2, 'link'), /file does not exist/);
});

test('small contexts stay in memory until a step needs them; .dockerignore applies on disk', async (t) => {
  const tmp = await mkdtemp(join(tmpdir(), 'wharf-ctx-'));
  t.after(() => rm(tmp, { recursive: true, force: true }));
  const tar = await makeTar([
    { name: 'Dockerfile', body: 'FROM x\n' },
    { name: '.dockerignore', body: 'Dockerfile\nsecret\n' },
    { name: 'secret', body: 's' },
    { name: 'app.js', body: 'js' },
  ]);
  const ctx = await BuildContext.fromTar(Readable.from([tar]), tmp);
  assert.equal(await ctx.readDockerfile('Dockerfile'), 'FROM x\n');
  const before = ctx.wholeDigest();
  assert.match(before!, /^[0-9a-f]{64}$/);
  assert.equal(existsSync(join(ctx.dir, 'app.js')), false, 'nothing written yet');
  await ctx.ensureOnDisk();
  assert.equal(await readFile(join(ctx.dir, 'app.js'), 'utf8'), 'js');
  assert.equal(existsSync(join(ctx.dir, 'secret')), false);
  assert.equal(existsSync(join(ctx.dir, 'Dockerfile')), false);
  await ctx.close();
  // Ignored files do not change the digest COPY's quick cache key uses.
  const tar2 = await makeTar([
    { name: 'Dockerfile', body: 'FROM y\n' },
    { name: '.dockerignore', body: 'Dockerfile\nsecret\n' },
    { name: 'secret', body: 'changed' },
    { name: 'app.js', body: 'js' },
  ]);
  const ctx2 = await BuildContext.fromTar(Readable.from([tar2]), tmp);
  assert.equal(ctx2.wholeDigest(), before);
  await ctx2.close();
});
