/**
 * End-to-end builds on a real engine (runc, overlayfs, conmon) with a busybox base image.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { engineFixture, mountsUnder, type TestEngine } from '../support/engine-fixture.js';
import { build, contextTar as contextTarFor } from './helpers.js';

let fx: Awaited<ReturnType<typeof engineFixture>>;
let engine: TestEngine;

before(async () => {
  fx = await engineFixture();
  engine = fx.engine;
});
after(async () => {
  await fx?.cleanup();
});

async function fileIn(image: string, path: string): Promise<string> {
  const { Id } = await engine.containers.create({ Image: image, Cmd: ['cat', path] }, {});
  try {
    const wait = engine.containers.wait(Id, 'next-exit');
    await engine.containers.start(Id);
    await wait;
    const logs = await engine.containers.logs(Id, { stdout: true, stderr: true });
    let s = '';
    for await (const e of logs.entries) s += e.data.toString();
    return s;
  } finally {
    await engine.containers.remove(Id, { force: true });
  }
}

async function noLeftovers(): Promise<void> {
  assert.deepEqual(await engine.containers.list({ all: true }), [], 'no step containers left');
  const tmp = await readdir(join(fx.base, 'data', 'build-tmp')).catch(() => []);
  assert.deepEqual(tmp, [], 'no temp dirs left');
  const mounts = mountsUnder(fx.base);
  assert.deepEqual(mounts, [], 'no mounts left');
}

test('single stage: RUN, COPY, WORKDIR and config; output like the legacy builder', async () => {
  const r = await build(engine, {
    Dockerfile: [
      'FROM busybox',
      'ENV GREETING=hello',
      'WORKDIR /app',
      'COPY hello.txt ./',
      'COPY dir /data/',
      'RUN echo "$GREETING from run" > out.txt && cat out.txt',
      'EXPOSE 80 53/udp',
      'LABEL a=b "c d"=e',
      'USER 1000:1000',
      'CMD ["cat", "/app/out.txt"]',
    ].join('\n'),
    'hello.txt': 'hi there\n',
    'dir/sub/x': 'x\n',
    'dir/y': { body: 'y\n', mode: 0o755 },
  }, { tags: ['built:one'] });
  assert.equal(r.error, undefined, r.output);
  assert.match(r.output, /^Step 1\/10 : FROM busybox\n ---> [0-9a-f]{12}\n/);
  assert.match(r.output, /Step 6\/10 : RUN echo "\$GREETING from run" > out.txt && cat out.txt\n ---> Running in [0-9a-f]{12}\nhello from run\nRemoving intermediate container [0-9a-f]{12}\n ---> [0-9a-f]{12}\n/);
  assert.match(r.output, /Successfully built [0-9a-f]{12}\nSuccessfully tagged built:one\n$/);
  const img = await engine.images.get('built:one');
  const c = img.config.config!;
  assert.deepEqual(c.Env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'GREETING=hello']);
  assert.equal(c.WorkingDir, '/app');
  assert.equal(c.User, '1000:1000');
  assert.deepEqual(c.Cmd, ['cat', '/app/out.txt']);
  assert.deepEqual(c.ExposedPorts, { '80/tcp': {}, '53/udp': {} });
  assert.deepEqual(c.Labels, { a: 'b', 'c d': 'e' });
  const hist = img.config.history!.slice(-9).map((h) => h.created_by);
  assert.equal(hist[0], '/bin/sh -c #(nop)  ENV GREETING=hello');
  assert.equal(hist[1], '/bin/sh -c #(nop) WORKDIR /app');
  assert.match(hist[2]!, /^\/bin\/sh -c #\(nop\) COPY file:[0-9a-f]{64} in .\/ $/);
  assert.match(hist[3]!, /^\/bin\/sh -c #\(nop\) COPY dir:[0-9a-f]{64} in \/data\/ $/);
  assert.equal(hist[4], '/bin/sh -c echo "$GREETING from run" > out.txt && cat out.txt');
  assert.equal(hist[8], '/bin/sh -c #(nop)  CMD ["cat" "/app/out.txt"]');
  assert.equal(img.config.history!.at(-1)!.empty_layer, true);
  assert.equal(await fileIn('built:one', '/app/out.txt'), 'hello from run\n');
  assert.equal(await fileIn('built:one', '/app/hello.txt'), 'hi there\n');
  assert.equal(await fileIn('built:one', '/data/sub/x'), 'x\n');
  await noLeftovers();
});

test('rebuild with nothing changed uses the cache for every step and gives the same image', async () => {
  const files = {
    Dockerfile: 'FROM busybox\nCOPY a.txt /a.txt\nRUN cat /a.txt > /b.txt\nCMD ["sh"]\n',
    'a.txt': 'one\n',
  };
  const first = await build(engine, files);
  assert.equal(first.error, undefined, first.output);
  const second = await build(engine, files);
  assert.equal(second.id, first.id);
  assert.equal(second.output.match(/---> Using cache/g)?.length, 3, second.output);
  assert.doesNotMatch(second.output, /Running in/);
  // One changed file: COPY and what follows run again.
  const third = await build(engine, { ...files, 'a.txt': 'two\n' });
  assert.notEqual(third.id, first.id);
  assert.equal(third.output.match(/---> Using cache/g)?.length ?? 0, 0, third.output);
  assert.equal(await fileIn(third.id!, '/b.txt'), 'two\n');
  // --no-cache runs everything again.
  const fourth = await build(engine, files, { noCache: true });
  assert.doesNotMatch(fourth.output, /Using cache/);
  await noLeftovers();
});

test('multi-stage: COPY --from, --target, only needed stages built', async () => {
  const files = {
    Dockerfile: [
      'ARG VERSION=1.0',
      'FROM busybox AS builder',
      'ARG VERSION',
      'RUN mkdir /out && echo "v$VERSION" > /out/version',
      'FROM busybox AS unused',
      'RUN exit 7',
      'FROM busybox',
      'COPY --from=builder /out/version /version',
      'COPY --from=0 /out /out2',
      'CMD ["cat", "/version"]',
    ].join('\n'),
  };
  const r = await build(engine, files, { buildArgs: { VERSION: '2.5' } });
  assert.equal(r.error, undefined, r.output);
  assert.doesNotMatch(r.output, /exit 7/);
  assert.equal(await fileIn(r.id!, '/version'), 'v2.5\n');
  assert.equal(await fileIn(r.id!, '/out2/version'), 'v2.5\n');
  const hist = (await engine.images.get(r.id!)).config.history!;
  assert.ok(hist.some((h) => h.created_by === '|1 VERSION=2.5 /bin/sh -c mkdir /out && echo "v$VERSION" > /out/version') === false);
  const builderImg = await build(engine, files, { target: 'builder', buildArgs: { VERSION: '2.5' } });
  const bh = (await engine.images.get(builderImg.id!)).config.history!;
  assert.equal(bh.at(-1)!.created_by, '|1 VERSION=2.5 /bin/sh -c mkdir /out && echo "v$VERSION" > /out/version');
  const missing = await build(engine, files, { target: 'nope' });
  assert.equal(missing.error, 'failed to reach build target nope in Dockerfile');
  await noLeftovers();
});

test('ONBUILD triggers run when the image is used as a base', async () => {
  const base = await build(engine, { Dockerfile: 'FROM busybox\nONBUILD RUN echo triggered > /trig\nONBUILD COPY f /f\n' }, { tags: ['onbuild-base'] });
  assert.equal(base.error, undefined, base.output);
  assert.deepEqual((await engine.images.get('onbuild-base')).config.config!.OnBuild, ['RUN echo triggered > /trig', 'COPY f /f']);
  const child = await build(engine, { Dockerfile: 'FROM onbuild-base\nCMD ["sh"]\n', f: 'file\n' });
  assert.equal(child.error, undefined, child.output);
  assert.match(child.output, /# Executing 2 build triggers/);
  assert.equal(await fileIn(child.id!, '/trig'), 'triggered\n');
  assert.equal(await fileIn(child.id!, '/f'), 'file\n');
  assert.equal((await engine.images.get(child.id!)).config.config!.OnBuild, undefined);
  await noLeftovers();
});

test('failing RUN: Docker message, container removed, cache still right', async () => {
  const r = await build(engine, { Dockerfile: 'FROM busybox\nRUN echo before\nRUN echo out; exit 3\n' });
  assert.equal(r.error, "The command '/bin/sh -c echo out; exit 3' returned a non-zero code: 3");
  assert.match(r.output, /\nout\n/);
  await noLeftovers();
  const again = await build(engine, { Dockerfile: 'FROM busybox\nRUN echo before\nRUN echo fixed\n' });
  assert.equal(again.error, undefined);
  assert.equal(again.output.match(/Using cache/g)?.length, 1);
  await noLeftovers();
});

test('bad input: missing files, outside context, hostile symlinks, unknown instruction', async () => {
  const missing = await build(engine, { Dockerfile: 'FROM busybox\nCOPY nothere /x\n' });
  assert.equal(missing.error, 'COPY failed: file not found in build context or excluded by .dockerignore: stat nothere: file does not exist');
  const outside = await build(engine, { Dockerfile: 'FROM busybox\nCOPY ../etc/passwd /x\n' });
  assert.match(outside.error!, /forbidden path outside the build context/);
  const unknown = await build(engine, { Dockerfile: 'FROM busybox\nFOO bar\n' });
  assert.equal(unknown.error, 'dockerfile parse error line 2: unknown instruction: FOO');
  // A symlink to /etc/passwd resolves inside the context: nothing of the host is copied.
  const hostile = await build(engine, {
    Dockerfile: 'FROM busybox\nCOPY link /x\n',
    link: { type: 'symlink', linkname: '/etc/passwd' },
  });
  assert.match(hostile.error!, /file not found in build context/);
  const climbing = await build(engine, {
    Dockerfile: 'FROM busybox\nCOPY dir/up /x\n',
    'dir/up': { type: 'symlink', linkname: '../../../../../etc/hostname' },
  });
  assert.match(climbing.error!, /file not found in build context/);
  const ignored = await build(engine, { Dockerfile: 'FROM busybox\nCOPY secret /x\n', '.dockerignore': 'secret\n', secret: 's' });
  assert.match(ignored.error!, /excluded by .dockerignore/);
  await noLeftovers();
});

test('COPY keeps existing parent directories as they are; --chown, --chmod, ADD archives, heredocs', async () => {
  const r = await build(engine, {
    Dockerfile: [
      'FROM busybox',
      'RUN mkdir -p /home/u /tmp && chown 1234:1234 /home/u && chmod 700 /home/u && chmod 1777 /tmp',
      'COPY f /home/u/f',
      'COPY f /tmp/',
      'COPY --chown=1:2 --chmod=600 f /owned',
      'ADD arch.tar /unpacked/',
      'COPY <<EOF /inline.txt',
      'inline $HOSTNAME_UNSET body',
      'EOF',
      'RUN stat -c "%a %u:%g" /tmp /home/u /owned /unpacked/a/b.txt > /stats && cat /inline.txt >> /stats',
    ].join('\n'),
    f: 'f\n',
    'arch.tar': { body: await contextTarFor({ 'a/b.txt': { body: 'b', uid: 7, gid: 8, mode: 0o640 } }) },
  });
  assert.equal(r.error, undefined, r.output);
  assert.equal(await fileIn(r.id!, '/stats'), '1777 0:0\n700 1234:1234\n600 1:2\n640 7:8\ninline  body\n');
  await noLeftovers();
});

test('RUN here-documents, ARG scoping across stages, SHELL for RUN, unknown base image', async () => {
  const r = await build(engine, {
    Dockerfile: [
      'ARG WHO=global',
      'FROM busybox',
      'ARG WHO',
      'ENV FROM_ENV=env',
      'RUN <<EOF',
      'echo "script for $WHO" > /heredoc',
      'echo "second line $FROM_ENV" >> /heredoc',
      'EOF',
      'RUN cat <<-"END" > /quoted',
      '\tkeep $WHO literal',
      '\tEND',
      'SHELL ["/bin/sh", "-c", "echo shell-used > /shell; eval \\"$1\\"", "sh"]',
      'RUN true',
    ].join('\n'),
  });
  assert.equal(r.error, undefined, r.output);
  assert.equal(await fileIn(r.id!, '/heredoc'), 'script for global\nsecond line env\n');
  assert.equal(await fileIn(r.id!, '/quoted'), 'keep $WHO literal\n');
  assert.equal(await fileIn(r.id!, '/shell'), 'shell-used\n');
  // Missing locally, so the builder tries its registry: a loopback one that is not there
  // (tests never reach beyond this machine).
  const missing = await build(engine, { Dockerfile: 'FROM 127.0.0.1:9/nosuchimage:1.0\nRUN true\n' });
  assert.equal(missing.id, undefined);
  assert.match(missing.error!, /127\.0\.0\.1:9.*(ECONNREFUSED|connection refused)/);
  await noLeftovers();
});

test('context files are pooled between builds: a rebuild after one change links the rest, and builder prune frees what no layer uses', async () => {
  const files: Record<string, string> = { Dockerfile: 'FROM busybox\nCOPY src/ /app/\n', 'unused.txt': 'not copied\n' };
  for (let i = 0; i < 20; i++) files[`src/f${i}.txt`] = `file ${i}\n`;
  const first = await build(engine, files, { tags: ['pool-test:1'] });
  assert.equal(first.error, undefined, first.output);
  files['src/f7.txt'] = 'changed\n';
  const second = await build(engine, files, { tags: ['pool-test:2'] });
  assert.equal(second.error, undefined, second.output);
  assert.match(await fileIn('pool-test:2', '/app/f7.txt'), /^changed\n$/);
  assert.match(await fileIn('pool-test:2', '/app/f3.txt'), /^file 3\n$/);
  assert.match(await fileIn('pool-test:1', '/app/f7.txt'), /^file 7\n$/);
  // The two images' COPY layers share the unchanged files' inodes, not the changed one's.
  const ino = async (image: string, path: string) => {
    const { Id } = await engine.containers.create({ Image: image, Cmd: ['stat', '-c', '%i', path] }, {});
    try {
      const wait = engine.containers.wait(Id, 'next-exit');
      await engine.containers.start(Id);
      await wait;
      let s = '';
      for await (const e of (await engine.containers.logs(Id, { stdout: true })).entries) s += e.data.toString();
      return s.trim();
    } finally {
      await engine.containers.remove(Id, { force: true });
    }
  };
  assert.equal(await ino('pool-test:1', '/app/f3.txt'), await ino('pool-test:2', '/app/f3.txt'));
  assert.notEqual(await ino('pool-test:1', '/app/f7.txt'), await ino('pool-test:2', '/app/f7.txt'));
  // The Dockerfile and unused.txt were only in the contexts: prune gives their bytes back.
  const { builderFor } = await import('../../src/build/builder.js');
  const pruned = builderFor(engine).prune();
  assert.ok(pruned.bytes >= 'not copied\n'.length + files.Dockerfile!.length, JSON.stringify(pruned));
  assert.deepEqual(builderFor(engine).prune(), { count: 0, bytes: 0 });
  // Layer files live on without the pool.
  builderFor(engine).prune(true);
  assert.match(await fileIn('pool-test:2', '/app/f3.txt'), /^file 3\n$/);
  await engine.images.remove('pool-test:1', { force: true }).catch(() => {});
  await engine.images.remove('pool-test:2', { force: true }).catch(() => {});
  await noLeftovers();
});
