/**
 * Writes the builder's images. A step's image is its parent plus at most one layer, with a
 * runtime config and history entry the builder decides (Docker's `#(nop)` entries,
 * `empty_layer`). ImageService.commit always appends a layer and derives the history
 * itself, so this uses the image store's lower-level `addImage` when the engine's image
 * service offers it (interface gap reported to the lead: an ImageService method
 * `createImage(parent, layer | undefined, config)` would replace this probe).
 */
import type { Readable } from 'node:stream';
import type { ImageService } from '../images/image-service.js';
import type { Descriptor, HistoryEntry, Image, ImageConfigFile, ImageRuntimeConfig } from '../images/types.js';

/** diffID of a tar with no entries: Docker records such a layer as an empty_layer history entry. */
export const EMPTY_TAR_DIFF_ID = 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef';

interface StoreLike {
  addImage(img: { config: Buffer; layers: Descriptor[]; parent?: string }): Promise<string>;
  toImage(id: string): Promise<Image>;
}

function storeOf(images: ImageService): StoreLike {
  const s = images as unknown as Partial<StoreLike>;
  if (typeof s.addImage !== 'function' || typeof s.toImage !== 'function') {
    throw new Error('this engine\'s image service cannot write images with custom history (addImage missing)');
  }
  return s as StoreLike;
}

export interface NewLayer {
  descriptor: Descriptor;
  diffId: string;
}

export interface StepImage {
  parent: Image | undefined;
  /** The new layer; undefined or an empty tar makes an empty_layer history entry. */
  layer?: NewLayer;
  config: ImageRuntimeConfig;
  createdBy: string;
  author?: string;
}

export class ImageWriter {
  private readonly store: StoreLike;

  constructor(private readonly images: ImageService) {
    this.store = storeOf(images);
  }

  async write(step: StepImage): Promise<Image> {
    const p = step.parent?.config;
    const created = new Date().toISOString();
    const empty = !step.layer || step.layer.diffId === EMPTY_TAR_DIFF_ID;
    const history: HistoryEntry = {
      created,
      ...(step.author ? { author: step.author } : {}),
      created_by: step.createdBy,
      ...(empty ? { empty_layer: true } : {}),
    };
    const file: ImageConfigFile = {
      architecture: p?.architecture ?? hostArch(),
      os: p?.os ?? 'linux',
      ...(p?.variant ? { variant: p.variant } : {}),
      created,
      ...(step.author ? { author: step.author } : {}),
      config: step.config,
      rootfs: { type: 'layers', diff_ids: [...(p?.rootfs.diff_ids ?? []), ...(empty ? [] : [step.layer!.diffId])] },
      history: [...(p?.history ?? []), history],
    };
    const layers = [...(step.parent?.layers ?? []), ...(empty ? [] : [step.layer!.descriptor])];
    const id = await this.store.addImage({ config: Buffer.from(JSON.stringify(file)), layers, parent: step.parent?.id });
    return this.store.toImage(id);
  }

  /**
   * Ingests a layer tar by committing it through the public service, then reads back the
   * descriptor; the temporary image is removed once the step's own image holds the layer.
   */
  async ingest(parent: Image | undefined, tar: Readable, contentSize?: number): Promise<{ layer: NewLayer; temp: Image }> {
    const temp = await this.images.commit(parent, tar, { config: {}, layerContentSize: contentSize });
    return { layer: lastLayer(temp), temp };
  }

  async dropTemp(temp: Image): Promise<void> {
    await this.images.remove(temp.id, { force: true }).catch(() => {});
  }
}

export function lastLayer(img: Image): NewLayer {
  const diffIds = img.config.rootfs.diff_ids;
  return { descriptor: img.layers[img.layers.length - 1], diffId: diffIds[diffIds.length - 1] };
}

function hostArch(): string {
  return process.arch === 'x64' ? 'amd64' : process.arch === 'arm64' ? 'arm64' : process.arch;
}
