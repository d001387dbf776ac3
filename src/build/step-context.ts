/**
 * What every step of a build can use, and the commit helper all steps share: look the step
 * up in the cache, or do the work and record the resulting image.
 */
import type { Engine } from '../engine/engine.js';
import type { BuildContext } from './context/build-context.js';
import type { Image, ImageRuntimeConfig } from '../images/types.js';
import { cacheKey, type BuildCache } from './build-cache.js';
import type { ImageWriter, NewLayer } from './image-writer.js';
import { shellOf, type BuildArgs, type StageState } from './stage-state.js';

export interface StepContext {
  engine: Engine;
  writer: ImageWriter;
  cache: BuildCache;
  args: BuildArgs;
  escape: string;
  context: BuildContext;
  tmpRoot: string;
  noCache: boolean;
  network?: string;
  signal: AbortSignal;
  /** Appends text to this stage's output. */
  out(text: string): void;
  /** The image a stage (name or index) produced, or a local image by reference. */
  imageFor(name: string): Promise<Image>;
}

export function shortHex(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

/** History text of a config-only step: `/bin/sh -c #(nop)  CMD ["sh"]` (shell from SHELL). */
export function nopCreatedBy(state: StageState, comment: string): string {
  return `${shellOf(state).join(' ')} #(nop)  ${comment}`;
}

/** History text of a step that writes files: `/bin/sh -c #(nop) COPY ...` (one space, as Docker). */
export function nopFileCreatedBy(state: StageState, comment: string): string {
  return `${shellOf(state).join(' ')} #(nop) ${comment}`;
}

export interface CommitSpec {
  /** What identifies the step besides its parent (instruction text after substitution, content hashes). */
  key: string;
  config: ImageRuntimeConfig;
  /** History text; a function when working it out needs the step's sources (then `key` must determine it). */
  createdBy: string | (() => Promise<string>);
  author?: string;
  /**
   * A second key tried on a miss of the first, and recorded with it (COPY: the first is
   * the whole in-memory context's digest, the second the copied files' own).
   */
  altKey?: () => Promise<string>;
  /** Does the step's filesystem work; undefined for config-only steps. */
  work?: () => Promise<{ layer?: NewLayer; cleanup?: () => Promise<void> }>;
}

/** Cache lookup, else work + image write + cache record; prints Docker's ` ---> ` lines. */
export async function commitStep(ctx: StepContext, state: StageState, spec: CommitSpec): Promise<Image> {
  const content = JSON.stringify({ config: spec.config, createdBy: typeof spec.createdBy === 'string' ? spec.createdBy : '', author: spec.author ?? '' });
  const key = cacheKey({
    parent: state.image?.id ?? 'scratch',
    instruction: spec.key,
    content,
  });
  const keys = [key];
  const hitOn = async (k: string): Promise<Image | undefined> => {
    const hit = ctx.noCache ? undefined : await ctx.cache.lookup(k);
    if (!hit) return undefined;
    for (const other of keys) if (other !== k) await ctx.cache.store(other, hit.id);
    ctx.out(' ---> Using cache\n');
    ctx.out(` ---> ${shortHex(hit.id)}\n`);
    return hit;
  };
  let hit = await hitOn(key);
  if (hit) return hit;
  if (spec.altKey) {
    keys.push(cacheKey({ parent: state.image?.id ?? 'scratch', instruction: await spec.altKey(), content }));
    hit = await hitOn(keys[1]);
    if (hit) return hit;
  }
  let layer: NewLayer | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  let img: Image;
  try {
    if (spec.work) ({ layer, cleanup } = await spec.work());
    const createdBy = typeof spec.createdBy === 'string' ? spec.createdBy : await spec.createdBy();
    img = await ctx.writer.write({ parent: state.image, layer, config: spec.config, createdBy, author: spec.author });
    for (const k of keys) await ctx.cache.store(k, img.id);
  } finally {
    // Removes the step's container (and temporary image) whether or not the step worked.
    if (cleanup) await cleanup();
  }
  ctx.out(` ---> ${shortHex(img.id)}\n`);
  return img;
}
