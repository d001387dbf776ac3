import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { WharfError } from '../../src/common/errors.js';
import { busyboxRootfsTar } from '../support/busybox-rootfs.js';
import { engineFixture, type TestEngine } from '../support/engine-fixture.js';

async function run(engine: TestEngine, body: Record<string, unknown>): Promise<{ id: string; code: number; out: string }> {
  const { Id } = await engine.containers.create({ Image: 'busybox', ...body }, {});
  const waited = engine.containers.wait(Id, 'next-exit');
  await engine.containers.start(Id);
  const { StatusCode } = await waited;
  const { entries } = await engine.containers.logs(Id, {});
  let out = '';
  for await (const e of entries) out += e.data.toString();
  return { id: Id, code: StatusCode, out };
}

describe('engine: volumes, binds and tmpfs', () => {
  let fx: Awaited<ReturnType<typeof engineFixture>>;
  let hostDir: string;
  before(async () => {
    fx = await engineFixture();
    hostDir = await mkdtemp(join(tmpdir(), 'wharf-bind-'));
  });
  after(async () => {
    await fx?.cleanup();
    await rm(hostDir, { recursive: true, force: true });
  });

  test('a named volume keeps data across containers and cannot be removed while used', async () => {
    const vols = fx.engine.volumes;
    const v = await vols.create({ Name: 'shared-data', Labels: { team: 'wharf' } });
    assert.equal(v.Driver, 'local');
    const w = await run(fx.engine, { Cmd: ['sh', '-c', 'echo kept > /data/f'], HostConfig: { Binds: ['shared-data:/data'] } });
    assert.equal(w.code, 0, w.out);
    const r = await run(fx.engine, { Cmd: ['cat', '/data/f'], HostConfig: { Binds: ['shared-data:/data:ro'] } });
    assert.equal(r.out, 'kept\n');
    const ro = await run(fx.engine, { Cmd: ['sh', '-c', 'echo x > /data/g'], HostConfig: { Binds: ['shared-data:/data:ro'] } });
    assert.notEqual(ro.code, 0, 'read-only volume refuses writes');
    await assert.rejects(vols.remove('shared-data'), (e: unknown) => e instanceof WharfError && e.kind === 'conflict' && /volume is in use/.test(e.message));
    const info = await fx.engine.containers.inspect(r.id);
    assert.deepEqual(info.Mounts.map((m: { Type: string; Name: string; Destination: string; RW: boolean }) => [m.Type, m.Name, m.Destination, m.RW]), [['volume', 'shared-data', '/data', false]]);
    for (const id of [w.id, r.id, ro.id]) await fx.engine.containers.remove(id, {});
    await vols.remove('shared-data');
    await assert.rejects(vols.inspect('shared-data'), (e: unknown) => e instanceof WharfError && e.kind === 'not-found' && e.message === 'get shared-data: no such volume');
  });

  test("an image VOLUME gets an anonymous volume with the image's content copied up; rm -v removes it", async () => {
    const tar = await busyboxRootfsTar();
    await fx.engine.images.importRootfs(Readable.from([tar]), { reference: 'withvol:1', changes: ['VOLUME /etc'] });
    const { Id } = await fx.engine.containers.create({ Image: 'withvol:1', Cmd: ['cat', '/etc/group'] }, {});
    const waited = fx.engine.containers.wait(Id, 'next-exit');
    await fx.engine.containers.start(Id);
    assert.equal((await waited).StatusCode, 0);
    const info = await fx.engine.containers.inspect(Id);
    const mount = info.Mounts.find((m: { Destination: string }) => m.Destination === '/etc');
    assert.ok(mount && mount.Type === 'volume' && /^[0-9a-f]{64}$/.test(mount.Name), JSON.stringify(info.Mounts));
    assert.match(await readFile(join(mount.Source, 'group'), 'utf8'), /wharf:x:1000/);
    await fx.engine.containers.remove(Id, { volumes: true });
    assert.equal(existsSync(mount.Source), false, 'anonymous volume removed with rm -v');
  });

  test('bind mounts, --mount validation and tmpfs', async () => {
    await writeFile(join(hostDir, 'in.txt'), 'from-host\n');
    const b = await run(fx.engine, { Cmd: ['sh', '-c', 'cat /h/in.txt; echo back > /h/out.txt; mount | grep " /scratch " | cut -d" " -f5'], HostConfig: { Binds: [`${hostDir}:/h`], Mounts: [{ Type: 'tmpfs', Target: '/scratch', TmpfsOptions: { SizeBytes: 1048576 } }] } });
    assert.equal(b.out, 'from-host\ntmpfs\n');
    assert.equal(await readFile(join(hostDir, 'out.txt'), 'utf8'), 'back\n');
    await assert.rejects(
      fx.engine.containers.create({ Image: 'busybox', Cmd: ['true'], HostConfig: { Mounts: [{ Type: 'bind', Source: '/no/such/dir', Target: '/x' }] } }, {}),
      (e: unknown) => e instanceof WharfError && e.kind === 'invalid-parameter' && e.message === 'invalid mount config for type "bind": bind source path does not exist: /no/such/dir',
    );
    await assert.rejects(
      fx.engine.containers.create({ Image: 'busybox', Cmd: ['true'], HostConfig: { Binds: ['data:relative'] } }, {}),
      (e: unknown) => e instanceof WharfError && /invalid volume specification/.test(e.message),
    );
    await assert.rejects(
      fx.engine.containers.create({ Image: 'busybox', Cmd: ['true'], HostConfig: { Binds: ['vol-a:/x', 'vol-b:/x'] } }, {}),
      (e: unknown) => e instanceof WharfError && e.message === 'Duplicate mount point: /x',
    );
    await fx.engine.containers.remove(b.id, {});
  });

  test('--volumes-from shares another container\'s volumes; prune removes only unused anonymous ones', async () => {
    const a = await run(fx.engine, { Cmd: ['sh', '-c', 'echo one > /v/x'], Volumes: { '/v': {} } });
    const b = await run(fx.engine, { Cmd: ['cat', '/v/x'], HostConfig: { VolumesFrom: [a.id] } });
    assert.equal(b.out, 'one\n');
    await fx.engine.volumes.create({ Name: 'named-keep' });
    const before = (await fx.engine.volumes.list()).Volumes.length;
    assert.equal((await fx.engine.volumes.prune()).VolumesDeleted, null, 'used anonymous volume kept');
    await fx.engine.containers.remove(b.id, {});
    await fx.engine.containers.remove(a.id, {});
    const pruned = await fx.engine.volumes.prune();
    assert.equal(pruned.VolumesDeleted?.length, 1);
    assert.equal((await fx.engine.volumes.list()).Volumes.length, before - 1);
    await fx.engine.volumes.inspect('named-keep');
    await fx.engine.volumes.remove('named-keep');
  });
});
