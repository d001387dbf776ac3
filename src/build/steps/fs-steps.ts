/**
 * The steps that change the filesystem: RUN (a container on the engine), COPY/ADD and
 * WORKDIR (files written into a step container, or straight into a layer on scratch).
 * Each one's step container is removed on every path.
 */
import { posix } from 'node:path';
import { isNotFound } from '../../common/errors.js';
import { parseTar } from '../../archive/tar-parse.js';
import type { Image } from '../../images/types.js';
import { entriesTar, type CopyEntry } from '../copy/copy-plan.js';
import { writeLayerDir } from '../copy/layer-dir.js';
import { probeContainer, readEtcFile } from '../copy/copy-sources.js';
import type { Instruction } from '../dockerfile/instructions.js';
import { processWord, type Env } from '../dockerfile/shell-lex.js';
import type { NewLayer } from '../image-writer.js';
import { DEFAULT_PATH, cloneConfig, runArgEnv, type StageState } from '../stage-state.js';
import { commitStep, nopFileCreatedBy, shortHex, type StepContext } from '../step-context.js';
import { containerLayer, createStepContainer, removeStepContainer, runStepContainer } from './containers.js';
import { StepError, commandArgs } from './metadata.js';
import { prepareCopy } from './copy-step.js';

type RunInst = Extract<Instruction, { kind: 'run' }>;
type CopyInst = Extract<Instruction, { kind: 'copy' | 'add' }>;

const ONLY_HEREDOC = /^<<-?(["']?)([A-Za-z_][A-Za-z0-9_]*)\1$/;

/** The argv a RUN executes; here-documents become part of the shell script. */
function runArgv(inst: RunInst, state: StageState, env: Env, escape: string): string[] {
  if (inst.cmd.exec || inst.heredocs.length === 0) return commandArgs(inst.cmd, state);
  const body = (d: RunInst['heredocs'][number]) => (d.expand ? processWord(d.content, env, escape) : d.content);
  const only = ONLY_HEREDOC.exec(inst.cmd.text.trim());
  if (only && inst.heredocs.length === 1) return commandArgs({ exec: false, text: body(inst.heredocs[0]) }, state);
  const script = inst.cmd.text + '\n' + inst.heredocs.map((d) => `${d.content}${d.name}\n`).join('');
  return commandArgs({ exec: false, text: script }, state);
}

export async function runStep(ctx: StepContext, state: StageState, inst: RunInst, env: Env): Promise<Image> {
  const argv = runArgv(inst, state, env, ctx.escape);
  const { all, recorded } = runArgEnv(state, ctx.args);
  const createdBy = (all.length > 0 ? [`|${recorded.length}`, ...recorded, ...argv] : argv).join(' ');
  const network = inst.network ?? ctx.network;
  return commitStep(ctx, state, {
    key: JSON.stringify({ run: argv, env: all, network: network ?? '' }),
    config: state.config,
    createdBy,
    author: state.author,
    work: async () => {
      const image = state.image;
      if (!image) throw new StepError(`The command '${argv.join(' ')}' cannot run: the stage has no filesystem yet (FROM scratch)`);
      const baseEnv = state.config.Env ?? [];
      const envList = [...(baseEnv.some((e) => e.startsWith('PATH=')) ? [] : [DEFAULT_PATH]), ...baseEnv, ...all];
      const id = await createStepContainer(ctx.engine, { image, config: state.config, cmd: argv, env: envList, network });
      const cleanup = async () => {
        await removeStepContainer(ctx.engine, id);
      };
      try {
        ctx.out(` ---> Running in ${shortHex(id)}\n`);
        const code = await runStepContainer(ctx.engine, id, (t) => ctx.out(t), ctx.signal);
        if (ctx.signal.aborted) throw new StepError('build cancelled');
        if (code !== 0) throw new StepError(`The command '${argv.join(' ')}' returned a non-zero code: ${code}`, code);
        const { layer, temp } = await containerLayer(ctx.engine, id);
        return {
          layer,
          cleanup: async () => {
            await ctx.writer.dropTemp(temp);
            await cleanup();
            ctx.out(`Removing intermediate container ${shortHex(id)}\n`);
          },
        };
      } catch (err) {
        await cleanup();
        throw err;
      }
    },
  });
}

type StatFn = (p: string) => Promise<'dir' | 'other' | 'missing'>;

/**
 * Writes entries on top of the stage's image: through a step container (so parents keep
 * their metadata) or, on scratch, straight into a new layer.
 */
async function writeEntries(ctx: StepContext, state: StageState, plan: (stat: StatFn) => Promise<CopyEntry[]>): Promise<{ layer?: NewLayer; cleanup?: () => Promise<void> }> {
  const image = state.image;
  if (!image) {
    const entries = await plan(async () => 'missing');
    if (entries.length === 0) return {};
    return ingestEntries(ctx, undefined, entries);
  }
  const id = await probeContainer(ctx.engine, image);
  try {
    const stat: StatFn = async (p) => {
      try {
        const st = await ctx.engine.containers.archiveStat(id, p);
        return st.mode & 0x80000000 ? 'dir' : 'other';
      } catch (err) {
        if (isNotFound(err)) return 'missing';
        throw err;
      }
    };
    const entries = await plan(stat);
    if (entries.length === 0) {
      await removeStepContainer(ctx.engine, id);
      return {};
    }
    // Fast path: the layer is written directly, with the existing parent directories'
    // own metadata; through a symlinked parent, the files go in through the container.
    const parents = await existingParents(ctx, id, entries);
    if (parents) {
      await removeStepContainer(ctx.engine, id);
      return ingestEntries(ctx, image, [...parents, ...entries]);
    }
    await ctx.engine.containers.archivePut(id, '/', entriesTar(entries), {});
    const { layer, temp } = await containerLayer(ctx.engine, id);
    return {
      layer,
      cleanup: async () => {
        await ctx.writer.dropTemp(temp);
        await removeStepContainer(ctx.engine, id);
      },
    };
  } catch (err) {
    await removeStepContainer(ctx.engine, id);
    throw err;
  }
}

/**
 * Stores entries as a layer on `parent`: the tar goes into the image store, and (when the
 * engine can stage layers) the same tree is written straight into the layer directory, so
 * the next step need not unpack the tar again.
 */
async function ingestEntries(ctx: StepContext, parent: Image | undefined, entries: CopyEntry[]): Promise<{ layer: NewLayer; cleanup: () => Promise<void> }> {
  const stager = ctx.engine.snapshots;
  if (!stager) {
    const { layer, temp } = await ctx.writer.ingest(parent, entriesTar(entries));
    return { layer, cleanup: () => ctx.writer.dropTemp(temp) };
  }
  const staged = await stager.stageLayer();
  try {
    const size = writeLayerDir(staged.dir, entries);
    const { layer, temp } = await ctx.writer.ingest(parent, entriesTar(entries), size);
    try {
      await staged.adopt({ chainId: temp.chainIds[temp.chainIds.length - 1], diffId: layer.diffId, blob: layer.descriptor.digest, size });
    } catch (err) {
      await ctx.writer.dropTemp(temp);
      throw err;
    }
    return { layer, cleanup: () => ctx.writer.dropTemp(temp) };
  } catch (err) {
    await staged.discard();
    throw err;
  }
}

/**
 * Tar entries for the directories above `entries` that already exist in the image, with
 * their metadata as it is there (so a layer never changes /tmp's mode or a chowned home);
 * undefined when one of them is not a plain directory (a symlink must be followed).
 */
async function existingParents(ctx: StepContext, containerId: string, entries: CopyEntry[]): Promise<CopyEntry[] | undefined> {
  const listed = new Set(entries.map((e) => e.path));
  const needed = new Set<string>();
  for (const e of entries) {
    const comps = e.path.split('/');
    for (let i = 1; i < comps.length; i++) {
      const p = comps.slice(0, i).join('/');
      if (!listed.has(p)) needed.add(p);
    }
  }
  const out: CopyEntry[] = [];
  for (const p of [...needed].sort()) {
    const got = await ctx.engine.containers.archiveGet(containerId, '/' + p);
    try {
      if (!(got.stat.mode & 0x80000000) || got.stat.mode & 0x08000000) return undefined;
      const first = await parseTar(got.tar as AsyncIterable<Buffer>).next();
      const h = first.value?.header;
      if (!h || h.type !== 'directory') return undefined;
      out.push({ path: p, type: 'directory', mode: h.mode & 0o7777, uid: h.uid, gid: h.gid, mtime: h.mtime, size: 0 });
    } finally {
      got.tar.destroy();
    }
  }
  return out;
}

export async function copyStep(ctx: StepContext, state: StageState, inst: CopyInst, env: Env): Promise<Image> {
  const chownReader = async (name: 'passwd' | 'group'): Promise<string> => {
    if (!state.image) throw new Error('no image');
    const id = await probeContainer(ctx.engine, state.image);
    try {
      return await readEtcFile(ctx.engine, id, name, ctx.tmpRoot);
    } finally {
      await removeStepContainer(ctx.engine, id);
    }
  };
  const prep = await prepareCopy(inst, state, env, ctx.escape, { engine: ctx.engine, context: ctx.context, tmpRoot: ctx.tmpRoot, fromImage: (n) => ctx.imageFor(n) }, chownReader);
  return commitStep(ctx, state, {
    key: JSON.stringify({ copy: prep.hash, shell: nopFileCreatedBy(state, '') }),
    altKey: prep.altHash ? async () => JSON.stringify({ copy: await prep.altHash!(), shell: nopFileCreatedBy(state, '') }) : undefined,
    config: state.config,
    createdBy: async () => nopFileCreatedBy(state, await prep.comment()),
    author: state.author,
    work: () => writeEntries(ctx, state, (stat) => prep.entries(stat)),
  });
}

export async function workdirStep(ctx: StepContext, state: StageState, text: string, env: Env): Promise<{ image: Image; config: StageState['config'] }> {
  const raw = processWord(text, env, ctx.escape);
  const dir = posix.normalize(raw.startsWith('/') ? raw : posix.join(state.config.WorkingDir || '/', raw)).replace(/(.)\/+$/, '$1');
  const config = cloneConfig(state.config);
  config.WorkingDir = dir;
  const image = await commitStep(ctx, state, {
    key: JSON.stringify({ workdir: dir }),
    config,
    createdBy: nopFileCreatedBy(state, `WORKDIR ${dir}`),
    author: state.author,
    work: () =>
      writeEntries(ctx, state, async (stat) => {
        const made: CopyEntry[] = [];
        let p = '';
        let missing = false;
        for (const c of dir.split('/').filter((x) => x !== '')) {
          p += '/' + c;
          if (!missing && (await stat(p)) === 'missing') missing = true;
          if (missing) made.push({ path: p.slice(1), type: 'directory', mode: 0o755, uid: 0, gid: 0, mtime: new Date(), size: 0 });
        }
        return made;
      }),
  });
  return { image, config };
}
