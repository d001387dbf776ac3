import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerApi } from '../../src/dockerapi/server.js';
import { ApiRouter } from '../../src/dockerapi/router.js';
import { registerSystemRoutes } from '../../src/dockerapi/system.js';
import { registerNetworkRoutes } from '../../src/dockerapi/networks-routes.js';
import type { Engine } from '../../src/engine/engine.js';
import { docker, quietLog } from '../dockerapi/api-harness.js';
import { startDockerd } from '../support/daemons.js';
import { NetFixture } from './fixture.js';

/**
 * The /networks handlers behind the real docker CLI, next to Docker's own daemon. Until the
 * engine carries `networks`, the API is served with a router holding only these routes (the
 * daemon's router still has a prune stub for /networks/prune).
 */
async function serveNetworks(svc: unknown): Promise<{ host: string; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-netapi-'));
  const socket = join(dir, 'api.sock');
  const api = new DockerApi({ engine: { networks: svc } as unknown as Engine, log: quietLog });
  const router = new ApiRouter();
  registerSystemRoutes(router);
  registerNetworkRoutes(router);
  (api as unknown as { router: ApiRouter }).router = router;
  const server = createServer();
  api.attach(server);
  await new Promise<void>((r) => server.listen(socket, r));
  return {
    host: `unix://${socket}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test('docker network create/ls/inspect/rm/prune against Wharf match dockerd', async () => {
  const fx = new NetFixture();
  const dockerd = await startDockerd();
  let wharf: Awaited<ReturnType<typeof serveNetworks>> | undefined;
  try {
    wharf = await serveNetworks(await fx.open());
    const subnet = fx.subnet();
    const name = `api-${fx.tag}`;
    const hosts = { wharf: wharf.host, docker: dockerd.host };
    const out: Record<string, Record<string, any>> = { wharf: {}, docker: {} };
    for (const [kind, host] of Object.entries(hosts)) {
      const o = out[kind]!;
      // dockerd gets its own bridge name so nothing of ours collides with it
      const bridgeOpt = kind === 'docker' ? ['-o', `com.docker.network.bridge.name=wd${fx.tag}`] : [];
      o.create = await docker(host, ['network', 'create', '--subnet', subnet, '--gateway', subnet.replace('.0/24', '.1'), '--ip-range', subnet.replace('.0/24', '.0/25'), '--label', 'tier=back', ...bridgeOpt, name]);
      assert.equal(o.create.code, 0, `${kind}: ${o.create.stderr}`);
      o.overlap = await docker(host, ['network', 'create', '--subnet', subnet.replace('.0/24', '.128/25'), `x${name}`]);
      o.dup = await docker(host, ['network', 'create', name]);
      o.ls = await docker(host, ['network', 'ls', '--filter', 'label=tier=back', '--format', '{{.Name}} {{.Driver}} {{.Scope}}']);
      o.inspect = JSON.parse((await docker(host, ['network', 'inspect', name])).stdout)[0];
      o.missing = await docker(host, ['network', 'inspect', 'no-such-net-xyz']);
      o.rmBridge = await docker(host, ['network', 'rm', 'bridge']);
      o.rmDefault = await docker(host, ['network', 'rm', 'host']);
      o.prune = await docker(host, ['network', 'prune', '-f', '--filter', 'label=tier=back']);
      o.after = await docker(host, ['network', 'ls', '-q', '--filter', `name=${name}`]);
    }
    const { wharf: w, docker: d } = out;
    assert.equal(w.ls.stdout, `${name} bridge local\n`);
    assert.equal(w.ls.stdout, d.ls.stdout);
    assert.equal(w.overlap.code, d.overlap.code);
    assert.match(w.overlap.stderr, /Pool overlaps with other one on this address space/);
    assert.match(d.overlap.stderr, /Pool overlaps with other one on this address space/);
    assert.match(w.dup.stderr, new RegExp(`network with name ${name} already exists`));
    assert.match(d.dup.stderr, new RegExp(`network with name ${name} already exists`));
    assert.deepEqual(Object.keys(w.inspect).sort(), Object.keys(d.inspect).sort());
    assert.deepEqual(w.inspect.IPAM.Config, d.inspect.IPAM.Config);
    assert.deepEqual(w.inspect.Labels, d.inspect.Labels);
    assert.equal(w.missing.stderr.trim(), d.missing.stderr.trim());
    // this dockerd runs with --bridge=none, so it has no `bridge` network to compare with
    assert.match(w.rmBridge.stderr, /Error response from daemon: bridge is a pre-defined network and cannot be removed/);
    assert.equal(w.rmDefault.code, d.rmDefault.code);
    assert.equal(w.rmDefault.stderr.trim(), d.rmDefault.stderr.trim());
    assert.equal(w.prune.stdout, d.prune.stdout);
    assert.equal(w.after.stdout, '');
    assert.equal(d.after.stdout, '');
  } finally {
    await wharf?.close();
    await docker(dockerd.host, ['network', 'rm', `api-${fx.tag}`]).catch(() => {});
    await dockerd.stop();
    assert.deepEqual(await fx.cleanup(), []);
  }
});
