import assert from 'node:assert/strict';
import { busyboxRootfsTar } from './busybox-rootfs.js';
import { startDockerd, startWharfDaemon, type RunningDaemon } from './daemons.js';
import { runCli } from './run-cli.js';

/** Wharf's daemon and Docker's reference daemon side by side, each with the same busybox image. */
export interface DaemonPair {
  wharf: RunningDaemon;
  dockerd: RunningDaemon;
  /** Removes every container on both, then stops them (and removes their folders). */
  stop(): Promise<void>;
}

/** Starts both daemons and imports the busybox rootfs into each as `image` (with `docker import` options). */
export async function startDaemonPair(image: string, importOptions: string[] = []): Promise<DaemonPair> {
  const [wharf, dockerd] = await Promise.all([startWharfDaemon(), startDockerd()]);
  const pair: DaemonPair = {
    wharf,
    dockerd,
    async stop() {
      for (const d of [wharf, dockerd]) {
        const ids = (await runCli('docker', ['-H', d.host, 'ps', '-aq'])).stdout.split('\n').filter(Boolean);
        if (ids.length) await runCli('docker', ['-H', d.host, 'rm', '-f', ...ids]);
        await d.stop();
      }
    },
  };
  try {
    const tar = await busyboxRootfsTar();
    for (const d of [wharf, dockerd]) {
      const r = await runCli('docker', ['-H', d.host, 'import', ...importOptions, '-', image], { input: tar });
      assert.equal(r.code, 0, r.stderr);
    }
  } catch (err) {
    await pair.stop();
    throw err;
  }
  return pair;
}
