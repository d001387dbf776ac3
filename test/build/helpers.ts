import { Readable } from 'node:stream';
import { builderFor, BuildError, type BuildOptions } from '../../src/build/builder.js';
import type { Engine } from '../../src/engine/engine.js';
import { makeTar, type TarEntrySpec } from '../support/tar-builder.js';

export type ContextFiles = Record<string, string | Omit<TarEntrySpec, 'name'>>;

export async function contextTar(files: ContextFiles): Promise<Buffer> {
  return makeTar(Object.entries(files).map(([name, v]) => (typeof v === 'string' ? { name, body: v } : { name, ...v })));
}

export interface BuildRun {
  id?: string;
  output: string;
  error?: string;
}

/** Runs a build on the engine's builder, collecting its output (never throws a BuildError). */
export async function build(engine: Engine, files: ContextFiles, opts: BuildOptions = {}): Promise<BuildRun> {
  let output = '';
  const tar = await contextTar(files);
  try {
    const id = await builderFor(engine).build(Readable.from([tar]), opts, { stream: (t) => (output += t), aux: () => {} });
    return { id, output };
  } catch (err) {
    if (!(err instanceof BuildError)) throw err;
    return { output, error: err.message };
  }
}
