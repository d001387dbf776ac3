/** Docker's JavaScript SDK (dockerode), unmodified, drives the Wharf daemon. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import Docker from 'dockerode';
import { busyboxRootfsTar } from '../support/busybox-rootfs.js';
import { startWharfDaemon, type RunningDaemon } from '../support/daemons.js';

const IMG = `sdk-${randomBytes(3).toString('hex')}:1`;
let d: RunningDaemon;
let docker: Docker;

before(async () => {
  d = await startWharfDaemon();
  docker = new Docker({ socketPath: d.socket });
  const stream = await docker.importImage(Readable.from([await busyboxRootfsTar()]) as unknown as string, { repo: IMG.split(':')[0], tag: '1' });
  await new Promise((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve(undefined))));
});
after(async () => {
  if (!d) return;
  for (const c of await docker.listContainers({ all: true })) await docker.getContainer(c.Id).remove({ force: true }).catch(() => {});
  await d.stop();
});

test('dockerode: ping, version, info, images', async () => {
  assert.equal(String(await docker.ping()), 'OK');
  const v = await docker.version();
  assert.ok(v.ApiVersion);
  const info = await docker.info();
  assert.equal(info.OSType, 'linux');
  const images = await docker.listImages();
  assert.ok(images.some((i) => i.RepoTags?.includes(`docker.io/library/${IMG}`) || i.RepoTags?.includes(IMG)), JSON.stringify(images.map((i) => i.RepoTags)));
});

test('dockerode: run with demultiplexed output and exit code', async () => {
  const out = new PassThrough();
  const err = new PassThrough();
  let so = '';
  let se = '';
  out.on('data', (c) => (so += c));
  err.on('data', (c) => (se += c));
  const [result, container] = await docker.run(IMG, ['sh', '-c', 'echo out; echo err >&2; exit 2'], [out, err], { Tty: false });
  assert.equal(result.StatusCode, 2);
  assert.equal(so, 'out\n');
  assert.equal(se, 'err\n');
  await container.remove();
});

test('dockerode: create, start, exec, logs, inspect, stop, remove', async () => {
  const c = await docker.createContainer({ Image: IMG, Cmd: ['sh', '-c', 'echo ready; exec sleep 300'], name: `sdk-${randomBytes(3).toString('hex')}` });
  await c.start();
  const exec = await c.exec({ Cmd: ['sh', '-c', 'echo $((2+3))'], AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const so = new PassThrough();
  let out = '';
  so.on('data', (x) => (out += x));
  docker.modem.demuxStream(stream, so, new PassThrough());
  await new Promise((r) => stream.on('end', r));
  assert.equal(out, '5\n');
  assert.equal((await exec.inspect()).ExitCode, 0);
  const logs = await c.logs({ stdout: true, stderr: true, follow: false });
  assert.match(logs.toString(), /ready\n/);
  const info = await c.inspect();
  assert.equal(info.State.Running, true);
  await c.stop({ t: 1 });
  assert.equal((await c.inspect()).State.ExitCode, 137);
  await c.remove();
  await assert.rejects(c.inspect(), (e: { statusCode?: number }) => e.statusCode === 404);
});

test('dockerode: errors carry dockerd status codes', async () => {
  await assert.rejects(docker.getContainer('nope-' + randomBytes(2).toString('hex')).inspect(), (e: { statusCode?: number }) => e.statusCode === 404);
  await assert.rejects(docker.createContainer({ Image: 'missing-image:9', Cmd: ['true'] }), (e: { statusCode?: number }) => e.statusCode === 404);
  const c = await docker.createContainer({ Image: IMG, Cmd: ['sleep', '300'] });
  await c.start();
  await assert.rejects(c.start(), (e: { statusCode?: number }) => e.statusCode === 304);
  await assert.rejects(c.remove(), (e: { statusCode?: number }) => e.statusCode === 409);
  await c.remove({ force: true });
});
