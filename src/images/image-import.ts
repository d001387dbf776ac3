import type { Readable } from 'node:stream';
import { refString } from '../reference/reference.js';
import { applyChanges } from './change-instructions.js';
import { goArch } from './chain-id.js';
import type { ImportOptions } from './image-service.js';
import { parseTarget, type ImageStore } from './image-store.js';
import type { Image, ImageConfigFile } from './types.js';

/** Parses `--platform os/arch[/variant]` into config fields; empty means the host's. */
export function platformOf(p: string | undefined): { os: string; architecture: string; variant?: string } {
  if (!p) return { os: 'linux', architecture: goArch() };
  const [os, architecture, variant] = p.split('/');
  return { os: os || 'linux', architecture: architecture || goArch(), ...(variant ? { variant } : {}) };
}

/**
 * `docker import`: a rootfs tarball (plain or compressed) becomes a one-layer image whose
 * config carries the `--change` instructions and a history entry "Imported from -".
 */
export async function importRootfs(store: ImageStore, tar: Readable, opts: ImportOptions): Promise<Image> {
  // Validate the name before reading any bytes.
  const target = opts.reference ? parseTarget(opts.reference) : undefined;
  const runtime = applyChanges({}, opts.changes ?? []);
  const { descriptor, layer } = await store.ingestLayer(tar);
  const created = new Date().toISOString();
  const config: ImageConfigFile = {
    ...platformOf(opts.platform),
    created,
    config: runtime,
    rootfs: { type: 'layers', diff_ids: [layer.diffId] },
    history: [{ created, created_by: '', comment: opts.message || 'Imported from -' }],
  };
  if (opts.message) config.comment = opts.message;
  const id = await store.addImage({ config: Buffer.from(JSON.stringify(config)), layers: [descriptor] });
  if (target) await store.lock.run(() => store.tags.set(refString(target), id));
  return store.toImage(id);
}
