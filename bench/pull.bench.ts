/**
 * Issue 3's client figure: pull of a ~200 MB image (busybox plus 5 layers of semi-compressible
 * files, gzip) from a local registry (Docker's reference registry in its own process, so neither
 * side shares a thread with the server) into an empty store: the docker CLI
 * against the Wharf daemon vs the docker CLI against Docker's daemon (private dockerd), same
 * registry and image, in one run. Prints the median times and the ratio (target: Wharf ≤ 0.7×).
 * Run: node dist/bench/pull.bench.js   (after scripts/setup.sh --test)
 * Knobs: BENCH_LAYERS (5), BENCH_LAYER_MB (40), BENCH_ROUNDS (3).
 */
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { makeTar } from '../test/support/tar-builder.js';
import { startDockerd } from '../test/support/daemons.js';
import { engineFixture } from '../test/support/engine-fixture.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxImage, pushImage, sha256, OCI_CONFIG, OCI_MANIFEST, type TestImage } from '../test/registry/helpers.js';
import { startDockerRegistry } from '../test/distribution-client/docker-registry.js';
import { serveDistributionApi } from '../test/distribution-client/api-harness.js';
import { median, report, timeCommand } from './bench-util.js';

const LAYERS = Number(process.env.BENCH_LAYERS ?? 5);
const LAYER_MB = Number(process.env.BENCH_LAYER_MB ?? 40);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/** A layer of 5 MB files, each 64 KB block half random and half zeros (gzip gets about 2:1, like real binaries). */
async function bigLayer(index: number): Promise<{ tar: Buffer; gz: Buffer }> {
  const files = [];
  for (let f = 0; f < Math.max(1, Math.round(LAYER_MB / 5)); f++) {
    const body = Buffer.alloc(5 * 1024 * 1024);
    for (let off = 0; off < body.length; off += 64 * 1024) randomBytes(32 * 1024).copy(body, off);
    files.push({ name: `data${index}/file${f}.bin`, body });
  }
  const tar = await makeTar([{ name: `data${index}/`, type: 'directory' }, ...files]);
  return { tar, gz: gzipSync(tar) };
}

async function benchImage(): Promise<TestImage> {
  const base = await busyboxImage();
  const baseConfig = JSON.parse(base.config.toString()) as { rootfs: { diff_ids: string[] }; history: unknown[] };
  const layers = [...base.layers];
  const diffIds = [...baseConfig.rootfs.diff_ids];
  for (let i = 0; i < LAYERS; i++) {
    const { tar, gz } = await bigLayer(i);
    layers.push(gz);
    diffIds.push(sha256(tar));
  }
  const config = Buffer.from(JSON.stringify({ ...baseConfig, rootfs: { type: 'layers', diff_ids: diffIds }, history: layers.map(() => ({ created_by: 'bench' })) }));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, digest: sha256(config), size: config.length },
    layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(l), size: l.length })),
  }));
  return { layers, config, manifest, manifestDigest: sha256(manifest) };
}

async function main(): Promise<void> {
  const regDir = await mkdtemp(join(tmpdir(), 'wharf-pull-bench-'));
  const reg = await startDockerRegistry(regDir);
  const fx = await engineFixture();
  const api = await serveDistributionApi(fx.engine);
  const dockerd = await startDockerd();
  try {
    const img = await benchImage();
    const total = img.layers.reduce((n, l) => n + l.length, 0);
    await pushImage(reg.url, 'bench/big', 'v1', img);
    const ref = `${reg.host}/bench/big:v1`;
    console.log(`image: ${img.layers.length} layers, ${(total / 1e6).toFixed(1)} MB compressed`);
    const wharfTimes: number[] = [];
    const dockerTimes: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      // Alternate the order so neither side always gets a warmer page cache.
      const sides = r % 2 === 0 ? (['wharf', 'docker'] as const) : (['docker', 'wharf'] as const);
      for (const side of sides) {
        const host = side === 'wharf' ? api.host : dockerd.host;
        const t = await timeCommand('docker', ['-H', host, 'pull', '-q', ref]);
        (side === 'wharf' ? wharfTimes : dockerTimes).push(t);
        await timeCommand('docker', ['-H', host, 'rmi', ref]);
      }
    }
    console.log(`wharf runs (ms): ${wharfTimes.map((t) => t.toFixed(0)).join(' ')}`);
    console.log(`docker runs (ms): ${dockerTimes.map((t) => t.toFixed(0)).join(' ')}`);
    report('pull of a ~200 MB image from a local registry into an empty store', [
      { name: 'docker pull: Wharf daemon vs dockerd', wharf: median(wharfTimes), peer: median(dockerTimes), unit: 'ms', target: '<= 0.7' },
    ]);
  } finally {
    await dockerd.stop();
    await api.close();
    await fx.cleanup();
    await reg.stop();
    await rm(regDir, { recursive: true, force: true });
  }
}

await main();
