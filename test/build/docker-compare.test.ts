/**
 * Side by side with Docker's legacy builder: the real docker CLI (DOCKER_BUILDKIT=0) builds
 * the same Dockerfile on the same busybox base against dockerd (private paths) and against
 * Wharf's API; the image configs and history must agree.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerApi } from '../../src/dockerapi/server.js';
import { busyboxRootfsTar } from '../support/busybox-rootfs.js';
import { startDockerd, type RunningDaemon } from '../support/daemons.js';
import { engineFixture } from '../support/engine-fixture.js';
import { makeTar } from '../support/tar-builder.js';
import { quietLog } from '../dockerapi/api-harness.js';
import { dockerCli } from './build-api.js';

let dockerd: RunningDaemon;
let fx: Awaited<ReturnType<typeof engineFixture>>;
let server: Server;
let wharfHost: string;
let work: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'wharf-build-cmp-'));
  fx = await engineFixture();
  const api = new DockerApi({ engine: fx.engine, log: quietLog });
  server = createServer();
  api.attach(server);
  const sock = join(work, 'wharf.sock');
  await new Promise<void>((r) => server.listen(sock, r));
  wharfHost = `unix://${sock}`;
  dockerd = await startDockerd();
  const imp = await dockerCli(dockerd.host, ['import', '--change', 'CMD ["sh"]', '-', 'busybox:latest'], { input: await busyboxRootfsTar() });
  assert.equal(imp.code, 0, imp.stderr);
});

after(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  await dockerd?.stop();
  await fx?.cleanup();
  await rm(work, { recursive: true, force: true });
});

const DOCKERFILE = `FROM busybox
LABEL org.example.a=b "with space"="x y"
MAINTAINER Someone <someone@example.com>
ARG A=1
ARG B
ENV P=/opt X="hello world"
ENV LEGACY value with  spaces
ENV Q=\${P}/q R=\${UNSET:-fallback}
WORKDIR /app
WORKDIR sub
COPY f.txt ./
COPY dir/ /data/
ADD arch.tar /extract/
RUN echo $A > /app/a && mkdir -p /v
EXPOSE 80 443/tcp 53/udp
VOLUME ["/v", "/w"]
STOPSIGNAL SIGINT
HEALTHCHECK --interval=30s --timeout=3s --retries=3 CMD wget -q localhost || exit 1
SHELL ["/bin/sh", "-ec"]
ONBUILD RUN echo onbuild
USER nobody
ENTRYPOINT ["/bin/echo"]
CMD hi there
`;

const KEYS = ['Env', 'Cmd', 'Entrypoint', 'WorkingDir', 'User', 'Labels', 'ExposedPorts', 'Volumes', 'StopSignal', 'Healthcheck', 'OnBuild', 'Shell'];

function pick(cfg: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of KEYS) {
    const v = cfg[k];
    const empty = v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && Object.keys(v).length === 0);
    out[k] = empty ? null : v;
  }
  return out;
}

async function buildOn(host: string, dir: string, tag: string, extra: string[] = []): Promise<{ config: Record<string, unknown>; author: string; history: string[]; layers: number; out: string }> {
  const r = await dockerCli(host, ['build', '-t', tag, ...extra, dir]);
  assert.equal(r.code, 0, `${host}\n${r.stdout}\n${r.stderr}`);
  const inspect = await dockerCli(host, ['image', 'inspect', tag]);
  assert.equal(inspect.code, 0, inspect.stderr);
  const img = (JSON.parse(inspect.stdout) as Record<string, any>[])[0];
  const hist = await dockerCli(host, ['history', '--no-trunc', '--format', '{{.CreatedBy}}', tag]);
  const history = hist.stdout.trim().split('\n').reverse();
  return { config: pick(img.Config), author: img.Author, history, layers: img.RootFS.Layers.length, out: r.stdout };
}

/** COPY/ADD hashes differ by design (Docker's tarsum); compare the rest of the text. */
function normalizeHistory(h: string[]): string[] {
  return h.map((l) => l.replace(/(file|dir|multi):[0-9a-f]{64}/, '$1:<hash>'));
}

test('image config and history match Docker legacy builder for the same Dockerfile', async () => {
  const ctx = join(work, 'ctx');
  await mkdir(join(ctx, 'dir', 'sub'), { recursive: true });
  await writeFile(join(ctx, 'Dockerfile'), DOCKERFILE);
  await writeFile(join(ctx, 'f.txt'), 'file\n');
  await writeFile(join(ctx, 'dir', 'sub', 'x'), 'x\n');
  await writeFile(join(ctx, 'arch.tar'), await makeTar([{ name: 'in-archive.txt', body: 'from tar\n' }]));
  const args = ['--build-arg', 'B=2', '--label', 'from.cli=yes'];
  const theirs = await buildOn(dockerd.host, ctx, 'cmp:latest', args);
  const ours = await buildOn(wharfHost, ctx, 'cmp:latest', args);
  assert.deepEqual(ours.config, theirs.config);
  assert.equal(ours.author, theirs.author);
  const baseLen = 1; // the imported busybox layer's own entry
  assert.deepEqual(normalizeHistory(ours.history.slice(baseLen)), normalizeHistory(theirs.history.slice(baseLen)));
  assert.equal(ours.layers, theirs.layers);
  // Same step headers in the output.
  const steps = (s: string) => s.split('\n').filter((l) => l.startsWith('Step '));
  assert.deepEqual(steps(ours.out), steps(theirs.out));
});

test('a failing RUN and an unknown instruction: same message and exit code as Docker', async () => {
  const ctx = join(work, 'bad');
  await mkdir(ctx, { recursive: true });
  await writeFile(join(ctx, 'Dockerfile'), 'FROM busybox\nRUN echo out && exit 3\n');
  const theirs = await dockerCli(dockerd.host, ['build', '--force-rm', ctx]);
  const ours = await dockerCli(wharfHost, ['build', '--force-rm', ctx]);
  assert.equal(ours.code, theirs.code);
  assert.equal(ours.stderr.trim().split('\n').at(-1), theirs.stderr.trim().split('\n').at(-1));
  await writeFile(join(ctx, 'Dockerfile'), 'FROM busybox\nBOGUS x\n');
  const t2 = await dockerCli(dockerd.host, ['build', ctx]);
  const o2 = await dockerCli(wharfHost, ['build', ctx]);
  assert.equal(o2.code, t2.code);
  assert.equal(o2.stderr.trim().split('\n').at(-1), t2.stderr.trim().split('\n').at(-1));
  assert.deepEqual(await fx.engine.containers.list({ all: true }), []);
});
