import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { openEngine } from '../../src/engine/open-engine.js';
import { busyboxRootfsTar } from './busybox-rootfs.js';
import { removeCgroupParent, testCgroupParent } from './cgroups.js';
import { testNetworkOptions } from './network-options.js';

export type TestEngine = Awaited<ReturnType<typeof openEngine>>;

/** Overlay mounts under `dir` still present (leak checks). */
export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.split(' ')[1]?.startsWith(dir));
}

/**
 * A real engine (real storage, runc, conmon) on private temp roots with a busybox image
 * tagged `busybox:latest`. `cleanup` force-removes every container and deletes the roots.
 */
export async function engineFixture(): Promise<{ engine: TestEngine; base: string; reopen(): Promise<TestEngine>; cleanup(): Promise<void> }> {
  const base = await mkdtemp(join(tmpdir(), 'wharf-engine-'));
  const roots = { dataRoot: join(base, 'data'), execRoot: join(base, 'exec'), cgroupParent: testCgroupParent(), network: testNetworkOptions() };
  const fx = {
    engine: await openEngine(roots),
    base,
    async reopen() {
      fx.engine = await openEngine(roots);
      return fx.engine;
    },
    async cleanup() {
      for (const c of await fx.engine.containers.list({ all: true })) {
        await fx.engine.containers.remove(c.Id, { force: true }).catch(() => {});
      }
      await fx.engine.networks.removeAll().catch(() => {});
      await fx.engine.close();
      for (const m of mountsUnder(base).reverse()) {
        const target = m.split(' ')[1];
        await import('node:child_process').then((cp) => cp.spawnSync('umount', ['-l', target]));
      }
      await rm(base, { recursive: true, force: true });
      removeCgroupParent(roots.cgroupParent);
    },
  };
  await fx.engine.images.importRootfs(Readable.from([await busyboxRootfsTar()]), { reference: 'busybox:latest', changes: ['CMD ["sh"]'] });
  return fx;
}
