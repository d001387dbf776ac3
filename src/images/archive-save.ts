import type { Writable } from 'node:stream';
import { notImplemented } from '../common/errors.js';
import type { ImageStore } from './image-store.js';

export async function saveArchive(_store: ImageStore, _refs: string[], _out: Writable): Promise<void> {
  throw notImplemented('save is not implemented yet');
}
