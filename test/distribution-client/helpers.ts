import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStorage } from '../../src/images/open-storage.js';
import type { ImageStore } from '../../src/images/image-store.js';
import { parseNormalizedNamed } from '../../src/reference/reference.js';
import { pullImage, resolvePull, type PullOptions, type PullResult } from '../../src/distribution/client/pull.js';
import type { ProgressMessage } from '../../src/distribution/client/progress.js';

/** A fresh image store on a temp root; dispose() removes it. */
export async function tempStore(): Promise<{ store: ImageStore; root: string; dispose(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'wharf-dc-'));
  const { images } = await openStorage(root);
  return { store: images, root, dispose: () => rm(root, { recursive: true, force: true }) };
}

/** Resolves and pulls `ref`, collecting the progress messages. */
export async function pull(store: ImageStore, ref: string, opts: PullOptions = {}): Promise<PullResult & { messages: ProgressMessage[] }> {
  const messages: ProgressMessage[] = [];
  const o = { ...opts, onProgress: (m: ProgressMessage) => messages.push(m) };
  const resolved = await resolvePull(parseNormalizedNamed(ref), o);
  const r = await pullImage(store, resolved, o);
  return { ...r, messages };
}
