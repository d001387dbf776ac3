import type { Readable } from 'node:stream';
import { notImplemented } from '../common/errors.js';
import type { ImageStore } from './image-store.js';

export async function loadArchive(_store: ImageStore, _tar: Readable): Promise<{ tags: string[]; ids: string[] }> {
  throw notImplemented('load is not implemented yet');
}
