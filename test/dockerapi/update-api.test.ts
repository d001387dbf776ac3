/**
 * POST /containers/{id}/update at the HTTP level, on a real engine (runc, cgroups): status
 * codes and bodies as dockerd's, the limits in the cgroup and in inspect, and the event.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hostResources } from '../../src/runtime/host-resources.js';
import { engineFixture } from '../support/engine-fixture.js';
import { limitsOf } from '../support/cgroup-limits.js';
import { httpRequest, serveApi, type TestApi } from './api-harness.js';

const MiB = 1024 * 1024;

describe('POST /containers/{id}/update', () => {
  let fx: Awaited<ReturnType<typeof engineFixture>>;
  let api: TestApi;
  let id: string;
  const post = async (path: string, body: unknown) => {
    const r = await httpRequest(api.socket, 'POST', path, typeof body === 'string' ? body : JSON.stringify(body), { 'Content-Type': 'application/json' });
    return { status: r.status, body: r.body ? JSON.parse(r.body) : undefined };
  };
  const update = (body: unknown, ref = id) => post(`/v1.41/containers/${ref}/update`, body);
  const inspect = async () => JSON.parse((await httpRequest(api.socket, 'GET', `/v1.41/containers/${id}/json`)).body);

  before(async () => {
    fx = await engineFixture();
    api = await serveApi(fx.engine);
    const created = await post('/v1.41/containers/create', { Image: 'busybox:latest', Cmd: ['sleep', '600'], HostConfig: { NetworkMode: 'none' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    id = created.body.Id;
    assert.equal((await post(`/v1.41/containers/${id}/start`, {})).status, 204);
  });
  after(async () => {
    await api?.close();
    await fx?.cleanup();
  });

  test('success answers 200 {"Warnings":[]} and the limits reach the cgroup and inspect', async () => {
    const since = Math.floor(Date.now() / 1000);
    const r = await update({ Memory: 64 * MiB, MemorySwap: 128 * MiB, PidsLimit: 12, CpuQuota: 30000, CpuPeriod: 100000, RestartPolicy: { Name: 'always' } });
    assert.deepEqual(r, { status: 200, body: { Warnings: [] } });
    const l = limitsOf((await inspect()).State.Pid);
    assert.deepEqual([l.memory, l.memsw, l.pids, l.quota, l.period], [String(64 * MiB), String(128 * MiB), '12', '30000', '100000']);
    const hc = (await inspect()).HostConfig;
    assert.deepEqual([hc.Memory, hc.MemorySwap, hc.PidsLimit, hc.CpuQuota, hc.CpuPeriod, hc.RestartPolicy], [64 * MiB, 128 * MiB, 12, 30000, 100000, { Name: 'always', MaximumRetryCount: 0 }]);
    const ev = await httpRequest(api.socket, 'GET', `/v1.41/events?since=${since}&until=${Math.ceil(Date.now() / 1000) + 1}&filters=${encodeURIComponent('{"event":["update"]}')}`);
    const events = ev.body.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    assert.ok(events.some((e) => e.Action === 'update' && e.Actor.ID === id), ev.body);
  });

  test('a setting the host cannot apply is dropped with a warning, as dockerd does', async () => {
    const r = await update({ BlkioWeight: 300 });
    assert.equal(r.status, 200);
    const expected = hostResources().blkioWeight ? [] : ['Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.'];
    assert.deepEqual(r.body, { Warnings: expected });
  });

  test("refusals carry dockerd's status codes and messages", async () => {
    const cannot = (m: string) => `Cannot update container ${id}: ${m}`;
    const table: [unknown, number, string | RegExp, string?][] = [
      [{}, 404, 'No such container: nosuch', 'nosuch'],
      [{ Memory: 1024 }, 400, 'Minimum memory limit allowed is 6MB'],
      [{ Memory: 'x' }, 400, 'json: cannot unmarshal string into Go struct field UpdateConfig.Memory of type int64'],
      [{ CpusetCpus: '4096' }, 400, /^Requested CPUs are not available - requested 4096, available: /],
      [{ RestartPolicy: { Name: 'sometimes' } }, 400, /^invalid restart policy: unknown policy 'sometimes'/],
      [{ Memory: 512 * MiB }, 409, cannot('Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time')],
      [{ NanoCpus: 1e9 }, 409, cannot('Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set')],
      [{ CpuShares: 1 }, 500, cannot('the minimum allowed cpu-shares is 2')],
      ['[1]', 400, 'invalid JSON: expected an object'],
    ];
    for (const [body, status, message, ref] of table) {
      const r = await update(body, ref);
      assert.equal(r.status, status, `${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
      if (typeof message === 'string') assert.equal(r.body.message, message);
      else assert.match(r.body.message, message);
    }
    const hc = (await inspect()).HostConfig;
    assert.deepEqual([hc.Memory, hc.CpuShares ?? 0, hc.NanoCpus ?? 0], [64 * MiB, 0, 0], 'refused updates changed nothing');
  });

  test('the unversioned path and a stopped container: stored, applied at the next start', async () => {
    assert.equal((await post(`/containers/${id}/stop?t=0`, {})).status, 204);
    const r = await post(`/containers/${id}/update`, { PidsLimit: 21, CpusetCpus: '0' });
    assert.deepEqual(r, { status: 200, body: { Warnings: [] } });
    assert.equal((await post(`/containers/${id}/start`, {})).status, 204);
    const l = limitsOf((await inspect()).State.Pid);
    assert.deepEqual([l.pids, l.cpus, l.memory], ['21', '0', String(64 * MiB)]);
  });
});
