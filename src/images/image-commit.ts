import type { Readable } from 'node:stream';
import { refString } from '../reference/reference.js';
import { applyChanges } from './change-instructions.js';
import type { CommitOptions } from './image-service.js';
import { parseTarget, type ImageStore } from './image-store.js';
import { platformOf } from './image-import.js';
import type { Image, ImageConfigFile } from './types.js';

/**
 * `docker commit`: the container's changes (an OCI layer tar) become a new layer on top of
 * the parent image; the runtime config is the given one (the container's) with `changes`
 * applied, and a history entry records the command.
 */
export async function commitImage(store: ImageStore, parent: Image | undefined, layer: Readable, opts: CommitOptions): Promise<Image> {
  const target = opts.reference ? parseTarget(opts.reference) : undefined;
  const base = opts.config ?? parent?.config.config ?? {};
  const runtime = applyChanges(base, opts.changes ?? []);
  const { descriptor, layer: rec } = await store.ingestLayer(layer, undefined, opts.layerContentSize);
  const created = new Date().toISOString();
  const p = parent?.config;
  const cmd = opts.config?.Cmd ?? p?.config?.Cmd ?? [];
  const config: ImageConfigFile = {
    architecture: p?.architecture ?? platformOf(undefined).architecture,
    os: p?.os ?? 'linux',
    ...(p?.variant ? { variant: p.variant } : {}),
    created,
    ...(opts.author ? { author: opts.author } : {}),
    config: runtime,
    rootfs: { type: 'layers', diff_ids: [...(p?.rootfs.diff_ids ?? []), rec.diffId] },
    history: [
      ...(p?.history ?? []),
      {
        created,
        ...(opts.author ? { author: opts.author } : {}),
        created_by: (cmd ?? []).join(' '),
        ...(opts.comment ? { comment: opts.comment } : {}),
      },
    ],
  };
  if (opts.comment) config.comment = opts.comment;
  const id = await store.addImage({
    config: Buffer.from(JSON.stringify(config)),
    layers: [...(parent?.layers ?? []), descriptor],
    parent: parent?.id,
  });
  if (target) await store.lock.run(() => store.tags.set(refString(target), id));
  return store.toImage(id);
}
