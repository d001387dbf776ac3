import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineFixture } from '../support/engine-fixture.js';
import { busyboxImage, pushImage, startTestRegistry, type TestImage, type TestRegistry } from '../registry/helpers.js';
import { run, serveDistributionApi, type ServedApi } from './api-harness.js';

describe('the docker CLI pulls through the Wharf daemon and runs the image', () => {
  let fx: Awaited<ReturnType<typeof engineFixture>>;
  let api: ServedApi;
  let reg: TestRegistry;
  let bb: TestImage;
  let cfg: string;
  const dockerCli = (args: string[]) => run('/usr/local/bin/docker', ['-H', api.host, ...args], { env: { HOME: cfg, DOCKER_CONFIG: cfg } });
  before(async () => {
    fx = await engineFixture();
    api = await serveDistributionApi(fx.engine);
    reg = await startTestRegistry();
    bb = await busyboxImage();
    await pushImage(reg.url, 'team/bb', '1.0', bb);
    cfg = await mkdtemp(join(tmpdir(), 'wharf-dc-cfg-'));
  });
  after(async () => {
    await api?.close();
    await fx?.cleanup();
    await reg?.dispose();
    if (cfg) await rm(cfg, { recursive: true, force: true });
  });

  test('docker pull prints Docker\'s lines; docker run of the pulled image works', async () => {
    const ref = `${reg.host}/team/bb:1.0`;
    const r = await dockerCli(['pull', ref]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^1\.0: Pulling from team\/bb$/m);
    assert.match(r.stdout, /: Pull complete$/m);
    assert.match(r.stdout, new RegExp(`^Digest: ${bb.manifestDigest}$`, 'm'));
    assert.match(r.stdout, new RegExp(`^Status: Downloaded newer image for ${ref}$`, 'm'));
    assert.equal(r.stdout.trim().split('\n').at(-1), ref);
    const out = await dockerCli(['run', '--rm', '--network', 'none', ref, 'echo', 'pulled and running']);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, 'pulled and running\n');
    const digests = await dockerCli(['images', '--digests', '--format', '{{.Repository}} {{.Tag}} {{.Digest}}', `${reg.host}/team/bb`]);
    assert.equal(digests.stdout.trim(), `${reg.host}/team/bb 1.0 ${bb.manifestDigest}`);
  });

  test('an unknown tag: Docker\'s message and exit code 1', async () => {
    const r = await dockerCli(['pull', `${reg.host}/team/bb:missing`]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), `Error response from daemon: manifest for ${reg.host}/team/bb:missing not found: manifest unknown: manifest unknown`);
  });

  test('a malformed reference is refused by the CLI and by the API', async () => {
    const r = await dockerCli(['pull', `${reg.host}/Team/bb:1.0`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /invalid reference format/);
  });
});
