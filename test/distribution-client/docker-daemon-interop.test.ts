import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { busyboxRootfsTar } from '../support/busybox-rootfs.js';
import { startDockerd, type RunningDaemon } from '../support/daemons.js';
import { asBody, sha256, startTestRegistry, type TestRegistry } from '../registry/helpers.js';
import { parseNormalizedNamed } from '../../src/reference/reference.js';
import { pushRepository } from '../../src/distribution/client/push.js';
import { run } from './api-harness.js';
import { pull, tempStore } from './helpers.js';

const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';

describe('Docker\'s daemon and Wharf exchange images through Wharf\'s registry', () => {
  let reg: TestRegistry;
  let dockerd: RunningDaemon;
  let dockerDigest: string;
  const docker = async (args: string[], input?: string | Buffer) => {
    const r = await run('/usr/local/bin/docker', ['-H', dockerd.host, ...args], { input: input as string | undefined });
    assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  before(async () => {
    reg = await startTestRegistry();
    dockerd = await startDockerd();
    const tar = await busyboxRootfsTar();
    const { spawn } = await import('node:child_process');
    // docker import reads the rootfs from stdin (binary, so not through run()'s string input).
    await new Promise<void>((resolve, reject) => {
      const c = spawn('/usr/local/bin/docker', ['-H', dockerd.host, 'import', '-c', 'CMD ["/bin/sh"]', '-', `${reg.host}/from/docker:1`], { stdio: ['pipe', 'ignore', 'inherit'] });
      c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`docker import exited ${code}`))));
      c.stdin.end(tar);
    });
    const out = await docker(['push', `${reg.host}/from/docker:1`]);
    dockerDigest = /digest: (sha256:[0-9a-f]{64})/.exec(out)![1];
  });
  after(async () => {
    await dockerd?.stop();
    await reg?.dispose();
  });

  test('Wharf pulls what dockerd pushed (Docker v2 schema 2), also through a Docker manifest list', async () => {
    const s = await tempStore();
    try {
      const p = await pull(s.store, `${reg.host}/from/docker:1`);
      assert.equal(p.digest, dockerDigest);
      const m = await s.store.content.read(dockerDigest);
      assert.equal(JSON.parse(m.toString()).mediaType, DOCKER_MANIFEST);
      const list = Buffer.from(JSON.stringify({
        schemaVersion: 2,
        mediaType: DOCKER_LIST,
        manifests: [{ mediaType: DOCKER_MANIFEST, digest: dockerDigest, size: m.length, platform: { architecture: 'amd64', os: 'linux' } }],
      }));
      const put = await fetch(`${reg.url}/v2/from/docker/manifests/multi`, { method: 'PUT', headers: { 'content-type': DOCKER_LIST }, body: asBody(list) });
      assert.equal(put.status, 201);
      const t = await tempStore();
      try {
        const viaList = await pull(t.store, `${reg.host}/from/docker:multi`);
        assert.equal(viaList.id, p.id);
        assert.equal(viaList.digest, sha256(list));
      } finally {
        await t.dispose();
      }
    } finally {
      await s.dispose();
    }
  });

  test('dockerd pulls and runs what Wharf pushed (chunked uploads)', async () => {
    const s = await tempStore();
    try {
      await pull(s.store, `${reg.host}/from/docker:1`);
      await s.store.tag(`${reg.host}/from/docker:1`, `${reg.host}/from/wharf:2`);
      const [res] = await pushRepository(s.store, parseNormalizedNamed(`${reg.host}/from/wharf`), '2', { chunkSize: 300 * 1024 });
      assert.equal(res.digest, dockerDigest, 'the manifest is pushed byte for byte as pulled');
      await docker(['rmi', `${reg.host}/from/docker:1`]);
      const pulled = await docker(['pull', `${reg.host}/from/wharf:2`]);
      assert.match(pulled, new RegExp(`Digest: ${res.digest}`));
      assert.equal((await docker(['run', '--rm', '--network', 'none', `${reg.host}/from/wharf:2`, 'echo', 'pushed by wharf'])).trim(), 'pushed by wharf');
    } finally {
      await s.dispose();
    }
  });
});
