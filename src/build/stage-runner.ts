/**
 * Runs one stage: FROM (an image, an earlier stage or scratch), the base image's ONBUILD
 * triggers, then each instruction, printing Docker's `Step N/M : ...` progress.
 */
import type { Image } from '../images/types.js';
import { parseInstruction, type Instruction, type Stage, type Step } from './dockerfile/instructions.js';
import { parseDockerfile } from './dockerfile/parser.js';
import { processWord, type Env } from './dockerfile/shell-lex.js';
import { DEFAULT_PATH, cloneConfig, substitutionEnv, type StageState } from './stage-state.js';
import { commitStep, nopCreatedBy, shortHex, type StepContext } from './step-context.js';
import { copyStep, runStep, workdirStep } from './steps/fs-steps.js';
import { StepError, applyMetadata } from './steps/metadata.js';

/** An error that names the Dockerfile line it happened on. */
export class BuildStepError extends Error {
  constructor(message: string, readonly line?: number, readonly code?: number) {
    super(message);
  }
}

export interface StageRun {
  stage: Stage;
  /** Step number of this stage's FROM; total steps of the build. */
  firstStep: number;
  total: number;
  /** Extra steps appended to this stage (the `--label` LABEL). */
  extra: Step[];
}

async function dispatch(ctx: StepContext, state: StageState, inst: Instruction): Promise<void> {
  const env: Env = substitutionEnv(state);
  switch (inst.kind) {
    case 'run':
      state.image = await runStep(ctx, state, inst, env);
      return;
    case 'copy':
    case 'add':
      state.image = await copyStep(ctx, state, inst, env);
      return;
    case 'workdir': {
      const r = await workdirStep(ctx, state, inst.text, env);
      state.image = r.image;
      state.config = r.config;
      return;
    }
    case 'from':
      throw new Error('FROM inside a stage');
    default: {
      const meta = applyMetadata(inst, state, env, ctx.escape, ctx.args);
      const author = meta.author ?? state.author;
      // The history line uses the shell in effect after the step (SHELL changes its own).
      const createdBy = nopCreatedBy({ ...state, config: meta.config }, meta.comment);
      state.image = await commitStep(ctx, state, { key: createdBy, config: meta.config, createdBy, author });
      state.config = meta.config;
      if (meta.cmdSet) state.cmdSet = true;
      if (meta.author) state.author = meta.author;
      if (meta.args) state.args = meta.args;
    }
  }
}

/** The base image of a stage and its starting state. */
async function beginStage(ctx: StepContext, stage: Stage): Promise<StageState> {
  const env: Env = new Map();
  for (const [k, v] of ctx.args.globals) if (v !== undefined) env.set(k, v);
  const name = processWord(stage.from.inst.image, env, ctx.escape);
  if (name === '') throw new BuildStepError('base name (' + stage.from.inst.image + ') should not be blank', stage.from.node.startLine);
  let base: Image | undefined;
  if (name.toLowerCase() !== 'scratch') base = await ctx.imageFor(name);
  const config = cloneConfig(base?.config.config);
  // Docker's builder gives every stage a PATH when its base has none.
  if (!(config.Env ?? []).some((e) => e.startsWith('PATH='))) config.Env = [...(config.Env ?? []), DEFAULT_PATH];
  return { image: base, config, args: new Map(), cmdSet: false, author: base?.config.author };
}

export async function runStage(ctx: StepContext, run: StageRun): Promise<Image | undefined> {
  const { stage } = run;
  let n = run.firstStep;
  ctx.out(`Step ${n}/${run.total} : ${stage.from.node.original}\n`);
  const state = await wrap(stage.from.node.startLine, () => beginStage(ctx, stage));
  if (state.image) ctx.out(` ---> ${shortHex(state.image.id)}\n`);
  const triggers = state.config.OnBuild ?? [];
  if (triggers.length > 0) {
    ctx.out(`# Executing ${triggers.length} build trigger${triggers.length > 1 ? 's' : ''}\n`);
    delete state.config.OnBuild;
    for (const t of triggers) {
      const doc = parseDockerfile(t + '\n');
      for (const node of doc.nodes) await wrap(stage.from.node.startLine, () => dispatch(ctx, state, parseInstruction(node, ctx.escape)));
    }
  }
  for (const step of [...stage.steps, ...run.extra]) {
    if (ctx.signal.aborted) throw new BuildStepError('build cancelled');
    n++;
    ctx.out(`Step ${n}/${run.total} : ${step.node.original}\n`);
    await wrap(step.node.startLine, () => dispatch(ctx, state, step.inst));
  }
  return state.image;
}

async function wrap<T>(line: number, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof BuildStepError) throw err;
    const code = err instanceof StepError ? err.code : undefined;
    throw new BuildStepError(err instanceof Error ? err.message : String(err), line, code);
  }
}
