import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { busyboxRootfsTar } from '../support/busybox-rootfs.js';
import assert from 'node:assert/strict';
import { startRegistry, type RegistryOptions, type RunningRegistry } from '../../src/distribution/registry/server.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';

/** fetch() wants an ArrayBuffer-backed view; Buffers may sit on a shared pool. */
export const asBody = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b);

export const sha256 = (b: Uint8Array | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export interface TestImage {
  layers: Buffer[];
  config: Buffer;
  manifest: Buffer;
  manifestDigest: string;
}

/** An OCI image of the busybox rootfs (gzip layer), plus optional extra layers. */
export async function busyboxImage(extraLayers: Buffer[] = []): Promise<TestImage> {
  const tar = await busyboxRootfsTar();
  const layers = [gzipSync(tar), ...extraLayers];
  const diffIds = [sha256(tar), ...extraLayers.map((l) => sha256(l))];
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/bin/sh'], Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: layers.map(() => ({ created_by: 'wharf test' })),
    }),
  );
  return imageOf(config, layers, extraLayers.map(() => 'application/vnd.oci.image.layer.v1.tar'));
}

/** A small artificial image (random layers) for protocol tests that never run it. */
export function tinyImage(layerCount = 2, layerSize = 1024): TestImage {
  const layers = Array.from({ length: layerCount }, () => randomBytes(layerSize));
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map(sha256) } }));
  return imageOf(config, layers, layers.map(() => 'application/vnd.oci.image.layer.v1.tar'));
}

function imageOf(config: Buffer, layers: Buffer[], extraTypes: string[]): TestImage {
  const types = [...Array(layers.length - extraTypes.length).fill(OCI_LAYER_GZIP), ...extraTypes];
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: sha256(config), size: config.length },
      layers: layers.map((l, i) => ({ mediaType: types[i], digest: sha256(l), size: l.length })),
    }),
  );
  return { layers, config, manifest, manifestDigest: sha256(manifest) };
}

/** Writes the image as an OCI image layout folder (what `skopeo copy oci:DIR:TAG` reads). */
export async function writeOciLayout(dir: string, image: TestImage, tag: string): Promise<void> {
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  for (const b of [...image.layers, image.config, image.manifest]) await writeFile(join(blobs, sha256(b).slice(7)), b);
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: OCI_MANIFEST,
          digest: image.manifestDigest,
          size: image.manifest.length,
          annotations: { 'org.opencontainers.image.ref.name': tag },
        },
      ],
    }),
  );
}

/** Writes several images under one OCI image index (a multi-platform image) as an OCI layout. */
export async function writeOciIndexLayout(
  dir: string,
  images: Array<{ image: TestImage; platform: { architecture: string; os: string } }>,
  tag: string,
): Promise<Buffer> {
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  for (const { image } of images) {
    for (const b of [...image.layers, image.config, image.manifest]) await writeFile(join(blobs, sha256(b).slice(7)), b);
  }
  const index = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: images.map(({ image, platform }) => ({ mediaType: OCI_MANIFEST, digest: image.manifestDigest, size: image.manifest.length, platform })),
  }));
  await writeFile(join(blobs, sha256(index).slice(7)), index);
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(join(dir, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    manifests: [{ mediaType: OCI_INDEX, digest: sha256(index), size: index.length, annotations: { 'org.opencontainers.image.ref.name': tag } }],
  }));
  return index;
}

/** Pushes an image with plain HTTP requests (monolithic blob uploads). */
export async function pushImage(base: string, name: string, tag: string, image: TestImage, headers: Record<string, string> = {}): Promise<void> {
  for (const blob of [...image.layers, image.config]) await pushBlob(base, name, blob, headers);
  const res = await fetch(`${base}/v2/${name}/manifests/${tag}`, {
    method: 'PUT',
    headers: { ...headers, 'content-type': OCI_MANIFEST },
    body: asBody(image.manifest),
  });
  if (res.status !== 201) throw new Error(`manifest push: ${res.status} ${await res.text()}`);
}

/** Pushes one blob: monolithic POST, or POST then PUT when the registry wants a session (Docker's does). */
export async function pushBlob(base: string, name: string, blob: Buffer, headers: Record<string, string> = {}): Promise<void> {
  const res = await fetch(`${base}/v2/${name}/blobs/uploads/?digest=${sha256(blob)}`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/octet-stream' },
    body: asBody(blob),
  });
  if (res.status === 201) return;
  if (res.status !== 202) throw new Error(`blob push: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
  const loc = new URL(res.headers.get('location')!, base);
  loc.searchParams.set('digest', sha256(blob));
  const put = await fetch(loc, { method: 'PUT', headers: { ...headers, 'content-type': 'application/octet-stream' }, body: asBody(blob) });
  if (put.status !== 201) throw new Error(`blob push: ${put.status} ${await put.text()}`);
}

export interface TestRegistry extends RunningRegistry {
  root: string;
  dispose(): Promise<void>;
}

/** A registry on a free loopback port over a fresh temp root; dispose() removes both. */
export async function startTestRegistry(opts: Partial<RegistryOptions> = {}): Promise<TestRegistry> {
  const root = opts.root ?? (await mkdtemp(join(tmpdir(), 'wharf-reg-')));
  const reg = await startRegistry({ addr: '127.0.0.1:0', log: () => {}, ...opts, root });
  return {
    ...reg,
    root,
    dispose: async () => {
      await reg.close();
      if (!opts.root) await rm(root, { recursive: true, force: true });
    },
  };
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** The first error code of a spec error body (asserting the envelope's shape). */
export async function errorCode(res: Response): Promise<string> {
  const body = (await res.json()) as { errors: Array<{ code: string; message: string }> };
  assert.ok(Array.isArray(body.errors) && body.errors.length > 0, 'spec error envelope');
  assert.equal(typeof body.errors[0].message, 'string');
  return body.errors[0].code;
}
