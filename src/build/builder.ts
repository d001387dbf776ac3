/**
 * The image builder: a context and a Dockerfile in, an image out. Stages the target needs
 * run concurrently (each waits only for the stages it uses); output comes in Dockerfile
 * order, in the words of Docker's legacy builder.
 */
import { mkdir, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Engine } from '../engine/engine.js';
import type { Image } from '../images/types.js';
import { familiarString, normalize, parseNormalizedNamed } from '../reference/reference.js';
import { removeAtomicTemps } from '../common/atomic-file.js';
import { BuildCache } from './build-cache.js';
import { BuildContext } from './context/build-context.js';
import { FilePool } from './context/file-pool.js';
import { parseInstruction, parseStages, type ParsedFile, type Stage, type Step } from './dockerfile/instructions.js';
import { DockerfileParseError, parseDockerfile } from './dockerfile/parser.js';
import { processWord, type Env } from './dockerfile/shell-lex.js';
import { ImageWriter } from './image-writer.js';
import { OrderedOutput } from './ordered-output.js';
import { BuildArgs } from './stage-state.js';
import { BuildStepError, runStage } from './stage-runner.js';
import { shortHex, type StepContext } from './step-context.js';
import { isNotFound } from '../common/errors.js';
import { ImageStore } from '../images/image-store.js';
import { byCodeUnit } from '../common/string-order.js';

/** Folders of the data root the builder owns. */
const BUILD_TMP = 'build-tmp';
const BUILD_POOL = 'build-pool';

/**
 * A FROM image: the local one, else pulled from its registry as `docker build` does (the
 * registry client loads only then).
 */
async function baseImage(engine: Engine, ref: string, signal: AbortSignal): Promise<Image> {
  try {
    return await engine.images.get(ref);
  } catch (err) {
    if (!isNotFound(err) || !(engine.images instanceof ImageStore)) throw err;
    const [{ pullByName }, { registryHostsOf }] = await Promise.all([import('../distribution/client/pull.js'), import('../distribution/client/settings.js')]);
    await pullByName(engine.images, ref, { hosts: registryHostsOf(engine), signal });
    return engine.images.get(ref);
  }
}

export interface BuildOptions {
  /** Dockerfile path inside the context (default "Dockerfile"). */
  dockerfile?: string;
  tags?: string[];
  target?: string;
  /** --build-arg; a null value means "take it from the client's environment" (already resolved by the CLI). */
  buildArgs?: Record<string, string | null>;
  noCache?: boolean;
  /** --pull: images are local, so this only checks that base images exist. */
  pull?: boolean;
  labels?: Record<string, string>;
  network?: string;
  signal?: AbortSignal;
}

export interface BuildSink {
  stream(text: string): void;
  aux(obj: { ID: string }): void;
}

/** A failed build; the message is what Docker prints. `code`: a failing RUN's exit code. */
export class BuildError extends Error {
  constructor(message: string, readonly code?: number) {
    super(message);
  }
}

/** How long builds must be quiet before unused pooled context files are removed. */
const POOL_SWEEP_DELAY_MS = 2000;

export class Builder {
  private readonly writer: ImageWriter;
  private readonly cache: BuildCache;
  private readonly tmpBase: string;
  private readonly pool: FilePool;
  private sweepTimer?: NodeJS.Timeout;
  private cleaned?: Promise<void>;

  constructor(private readonly engine: Engine) {
    this.writer = new ImageWriter(engine.images);
    this.cache = new BuildCache(engine.dataRoot, engine.images);
    this.tmpBase = join(engine.dataRoot, BUILD_TMP);
    this.pool = new FilePool(join(engine.dataRoot, BUILD_POOL));
  }

  /**
   * `docker builder prune`: pooled context files no layer uses (`all`: every pooled file;
   * layers keep the inodes they link). The cache index itself is kept: its entries point at
   * images, which image prune removes.
   */
  prune(all = false): { bytes: number; count: number } {
    return this.pool.sweep(all);
  }

  /** The pool's sweep runs once builds have been quiet a while, off the builds' own time. */
  private sweepSoon(): void {
    clearTimeout(this.sweepTimer);
    this.sweepTimer = setTimeout(() => this.pool.sweep(), POOL_SWEEP_DELAY_MS);
    this.sweepTimer.unref();
  }

  /** Builds from a context tar; resolves with the image ID. */
  async build(context: Readable, opts: BuildOptions, sink: BuildSink): Promise<string> {
    for (const t of opts.tags ?? []) {
      try {
        parseNormalizedNamed(t);
      } catch (err) {
        throw new BuildError(`invalid reference format: ${t}`);
      }
    }
    // Leftovers of builds cut short by a crash go once, before the first build (the daemon
    // also clears them when it starts).
    this.cleaned ??= recoverBuildLeftovers(this.engine.dataRoot);
    await this.cleaned;
    const tmpRoot = join(this.tmpBase, randomBytes(8).toString('hex'));
    await mkdir(tmpRoot, { recursive: true, mode: 0o700 });
    let ctxDir: BuildContext | undefined;
    // The engine's container waits hold no event-loop handle of their own; a build in
    // progress keeps the process alive until it ends.
    const keepAlive = setInterval(() => {}, 1 << 30);
    const releasePool = this.pool.use();
    try {
      ctxDir = await BuildContext.fromTar(context, tmpRoot, this.pool).catch((err: Error) => {
        throw new BuildError(`Error processing tar file: ${err.message}`);
      });
      const name = opts.dockerfile || 'Dockerfile';
      const text = await ctxDir.readDockerfile(name).catch((err: Error) => {
        throw new BuildError(err.message);
      });
      let parsed: ParsedFile;
      try {
        parsed = parseStages(text);
      } catch (err) {
        throw new BuildError((err as Error).message);
      }
      for (const w of parsed.warnings) sink.stream(`${w}\n`);
      const id = await this.run(parsed, ctxDir, tmpRoot, opts, sink);
      return id;
    } finally {
      clearInterval(keepAlive);
      await ctxDir?.close();
      await rm(tmpRoot, { recursive: true, force: true });
      releasePool();
      this.sweepSoon();
    }
  }

  private async run(parsed: ParsedFile, context: BuildContext, tmpRoot: string, opts: BuildOptions, sink: BuildSink): Promise<string> {
    const given = new Map<string, string | undefined>();
    for (const [k, v] of Object.entries(opts.buildArgs ?? {})) given.set(k, v ?? undefined);
    const args = new BuildArgs(given);
    const globalEnv: Env = new Map();
    for (const a of parsed.globalArgs) {
      const dflt = a.value === undefined ? undefined : processWord(a.value, globalEnv, parsed.escape);
      const v = args.resolve(a.key, dflt, true);
      args.globals.set(a.key, v);
      if (v !== undefined) globalEnv.set(a.key, v);
    }
    const { stages } = parsed;
    let target = stages[stages.length - 1];
    if (opts.target) {
      const t = stages.find((s) => s.name === opts.target!.toLowerCase());
      if (!t) throw new BuildError(`failed to reach build target ${opts.target} in Dockerfile`);
      target = t;
    }
    const stageByRef = (ref: string, before: number): Stage | undefined => {
      if (/^\d+$/.test(ref)) return Number(ref) < before ? stages[Number(ref)] : undefined;
      return stages.find((s) => s.index < before && s.name === ref.toLowerCase());
    };
    const needed = neededStages(stages, target, globalEnv, parsed.escape, stageByRef);
    const extra: Step[] = [];
    const labels = Object.entries(opts.labels ?? {}).sort(([a], [b]) => byCodeUnit(a, b));
    if (labels.length > 0) {
      const node = parseDockerfile(`LABEL ${labels.map(([k, v]) => `${JSON.stringify(k)}='${v}'`).join(' ')}\n`).nodes[0];
      // Shown (and recorded) the way Docker prints its --label step.
      node.original = `LABEL ${labels.map(([k, v]) => `${k}=${v}`).join(' ')}`;
      extra.push({ node, inst: parseInstruction(node, parsed.escape) });
    }
    const order = [...needed].sort((a, b) => a.index - b.index);
    const total = order.reduce((n, s) => n + 1 + s.steps.length, 0) + extra.length;
    const output = new OrderedOutput(order.length, (t) => sink.stream(t));
    const abort = new AbortController();
    const onOuterAbort = () => abort.abort();
    opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
    const results = new Map<number, Promise<Image | undefined>>();
    let firstError: unknown;
    let step = 1;
    const runs = order.map((stage, slot) => {
      const firstStep = step;
      step += 1 + stage.steps.length;
      const out = output.writer(slot);
      const ctx: StepContext = {
        engine: this.engine,
        writer: this.writer,
        cache: this.cache,
        args,
        escape: parsed.escape,
        context,
        tmpRoot,
        noCache: Boolean(opts.noCache),
        network: opts.network,
        signal: abort.signal,
        out,
        imageFor: async (ref) => {
          const s = stageByRef(ref, stage.index);
          if (s) {
            const img = await results.get(s.index);
            if (!img) throw new Error(`stage ${ref} has no image (an empty scratch stage)`);
            return img;
          }
          return baseImage(this.engine, ref, abort.signal);
        },
      };
      const p = runStage(ctx, { stage, firstStep, total, extra: stage === target ? extra : [] }).then(
        (img) => {
          output.finish(slot);
          return img;
        },
        (err: unknown) => {
          firstError ??= err;
          abort.abort();
          throw err;
        },
      );
      results.set(stage.index, p);
      return p;
    });
    const settled = await Promise.allSettled(runs);
    opts.signal?.removeEventListener('abort', onOuterAbort);
    if (firstError !== undefined || settled.some((s) => s.status === 'rejected')) {
      output.flushAll();
      const err = firstError ?? (settled.find((s) => s.status === 'rejected') as PromiseRejectedResult).reason;
      throw toBuildError(err);
    }
    const image = await results.get(target.index)!;
    if (!image) throw new BuildError('No image was generated. Is your Dockerfile empty?');
    const unused = args.unused();
    if (unused.length > 0) sink.stream(`[Warning] One or more build-args [${unused.join(' ')}] were not consumed\n`);
    sink.aux({ ID: image.id });
    sink.stream(`Successfully built ${shortHex(image.id)}\n`);
    for (const t of opts.tags ?? []) {
      await this.engine.images.tag(image.id, t);
      sink.stream(`Successfully tagged ${familiarString(normalize(t))}\n`);
    }
    return image.id;
  }
}

function toBuildError(err: unknown): BuildError {
  if (err instanceof BuildError) return err;
  if (err instanceof DockerfileParseError) return new BuildError(err.message);
  if (err instanceof BuildStepError) return new BuildError(err.message, err.code);
  return new BuildError(err instanceof Error ? err.message : String(err));
}

/** The target and every stage it uses through FROM or COPY --from, transitively. */
function neededStages(stages: Stage[], target: Stage, globalEnv: Env, escape: string, byRef: (ref: string, before: number) => Stage | undefined): Set<Stage> {
  const needed = new Set<Stage>();
  const visit = (s: Stage) => {
    if (needed.has(s)) return;
    needed.add(s);
    const refs = [processWord(s.from.inst.image, globalEnv, escape)];
    for (const st of s.steps) if ((st.inst.kind === 'copy' || st.inst.kind === 'add') && st.inst.kind === 'copy' && st.inst.from) refs.push(processWord(st.inst.from, globalEnv, escape));
    for (const r of refs) {
      const dep = byRef(r, s.index);
      if (dep) visit(dep);
    }
  };
  visit(target);
  return needed;
}

const builders = new WeakMap<Engine, Builder>();

/**
 * Removes what builds cut short by a crash left: their temp area, half-made pooled files and
 * a cache index write that never landed.
 */
export async function recoverBuildLeftovers(dataRoot: string): Promise<void> {
  await Promise.all([
    ...[join(dataRoot, BUILD_TMP), FilePool.tmpDir(join(dataRoot, BUILD_POOL))].map((d) => rm(d, { recursive: true, force: true }).catch(() => {})),
    removeAtomicTemps(BuildCache.dir(dataRoot)),
  ]);
}

/** One builder per engine (shared cache index and temp area). */
export function builderFor(engine: Engine): Builder {
  let b = builders.get(engine);
  if (!b) {
    b = new Builder(engine);
    builders.set(engine, b);
  }
  return b;
}
