import { LocalContentStore } from '../content/local-content-store.js';
import type { ContentStore } from '../content/content-store.js';
import { OverlaySnapshotter } from '../snapshots/overlay-snapshotter.js';
import { ImageStore } from './image-store.js';

export interface Storage {
  content: ContentStore;
  images: ImageStore;
  snapshotter: OverlaySnapshotter;
}

/**
 * The engine's image storage on one data root: content store (<root>/content), image
 * store (<root>/image) and overlay snapshotter (<root>/overlay), wired together.
 */
export async function openStorage(root: string): Promise<Storage> {
  const content = new LocalContentStore(root);
  await content.cleanupIngest();
  const images = await ImageStore.open({ root, content });
  const snapshotter = new OverlaySnapshotter(root, content);
  await snapshotter.recover();
  return { content, images, snapshotter };
}
