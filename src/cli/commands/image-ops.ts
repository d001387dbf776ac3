/** Image commands that change the store: tag, rmi, import, load, save, pull. */
import { createReadStream, createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { jsonLines } from '../api/client.js';
import { CliError } from '../cli-error.js';
import type { CliContext, Command } from '../context.js';
import { eachName } from './common.js';
import { progressLine, splitImageRef } from './pull.js';

/** Checks a repository[:tag] the way reference parsing rejects bad input. */
export function validateReference(ref: string): void {
  const { fromImage, tag } = splitImageRef(ref);
  if (/[A-Z]/.test(fromImage)) throw new CliError(`invalid reference format: repository name (${fromImage}) must be lowercase`, 1);
  const component = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
  const parts = fromImage.split('/');
  const first = parts.length > 1 && /[.:]|^localhost$/.test(parts[0]) ? parts.slice(1) : parts;
  const tagOk = ref.includes('@') ? /^[a-z0-9]+:[a-fA-F0-9]{32,}$/.test(tag) : /^[\w][\w.-]{0,127}$/.test(tag);
  if (fromImage === '' || !first.every((p) => component.test(p)) || !tagOk) throw new CliError('invalid reference format', 1);
}

async function printJsonStream(ctx: CliContext, res: Readable, out: NodeJS.WritableStream = ctx.stdout): Promise<void> {
  for await (const m of jsonLines(res)) {
    const err = m.errorDetail as { message?: string } | undefined;
    if (err || typeof m.error === 'string') throw new CliError(err?.message ?? String(m.error), 1);
    const line = progressLine(m);
    if (line) out.write(line);
  }
}

export const tag: Command = {
  spec: { name: 'tag', usage: 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]', description: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE', minArgs: 2, maxArgs: 2, flags: [] },
  async run(ctx, a) {
    const [source, target] = a.args;
    validateReference(target);
    const { fromImage, tag: t } = splitImageRef(target);
    const client = await ctx.client();
    await client.call('POST', `/images/${encodeURIComponent(source)}/tag`, { query: { repo: fromImage, tag: t } }).then((r) => r.resume());
  },
};

export const rmi: Command = {
  spec: {
    name: 'rmi',
    usage: '[OPTIONS] IMAGE [IMAGE...]',
    description: 'Remove one or more images',
    minArgs: 1,
    flags: [
      { name: 'force', short: 'f', type: 'bool' },
      { name: 'no-prune', type: 'bool' },
      { name: 'platform', type: 'list' },
    ],
  },
  async run(ctx, a) {
    const client = await ctx.client();
    return eachName(ctx, a.args, async (name) => {
      const res = await client.json<{ Untagged?: string; Deleted?: string }[]>('DELETE', `/images/${encodeURIComponent(name)}`, {
        query: { force: a.bool('force') || undefined, noprune: a.bool('no-prune') || undefined },
      });
      const lines = (res ?? []).map((r) => (r.Untagged ? `Untagged: ${r.Untagged}` : `Deleted: ${r.Deleted}`));
      return lines.length > 0 ? lines.join('\n') : undefined;
    });
  },
};

export const importCmd: Command = {
  spec: {
    name: 'import',
    usage: '[OPTIONS] file|URL|- [REPOSITORY[:TAG]]',
    description: 'Import the contents from a tarball to create a filesystem image',
    minArgs: 1,
    maxArgs: 2,
    flags: [
      { name: 'change', short: 'c', type: 'list' },
      { name: 'message', short: 'm', type: 'string' },
      { name: 'platform', type: 'string' },
    ],
  },
  async run(ctx, a) {
    const [source, ref] = a.args;
    if (ref) validateReference(ref);
    let body: Readable | undefined;
    let fromSrc = '-';
    if (source === '-') body = ctx.stdin;
    else if (/^https?:\/\//.test(source)) fromSrc = source;
    else {
      const { stat } = await import('node:fs/promises');
      await stat(source).catch(() => {
        throw new CliError(`open ${source}: no such file or directory`, 1);
      });
      body = createReadStream(source);
    }
    const client = await ctx.client();
    const res = await client.call('POST', '/images/create', {
      query: { fromSrc, repo: ref, message: a.string('message'), changes: a.list('change'), platform: a.string('platform') },
      body,
      headers: body ? { 'Content-Type': 'application/x-tar' } : undefined,
    });
    await printJsonStream(ctx, res);
  },
};

export const load: Command = {
  spec: {
    name: 'load',
    usage: '[OPTIONS]',
    description: 'Load an image from a tar archive or STDIN',
    maxArgs: 0,
    flags: [
      { name: 'input', short: 'i', type: 'string' },
      { name: 'quiet', short: 'q', type: 'bool' },
      { name: 'platform', type: 'list' },
    ],
  },
  async run(ctx, a) {
    const input = a.string('input');
    let body: Readable;
    if (input) {
      const { stat } = await import('node:fs/promises');
      await stat(input).catch(() => {
        throw new CliError(`open ${input}: no such file or directory`, 1);
      });
      body = createReadStream(input);
    } else {
      if (ctx.stdin.isTTY) throw new CliError('requested load from stdin, but stdin is empty', 1);
      body = ctx.stdin;
    }
    const client = await ctx.client();
    const res = await client.call('POST', '/images/load', { query: { quiet: a.bool('quiet') || undefined }, body, headers: { 'Content-Type': 'application/x-tar' } });
    await printJsonStream(ctx, res);
  },
};

export const save: Command = {
  spec: {
    name: 'save',
    usage: '[OPTIONS] IMAGE [IMAGE...]',
    description: 'Save one or more images to a tar archive (streamed to STDOUT by default)',
    minArgs: 1,
    flags: [
      { name: 'output', short: 'o', type: 'string' },
      { name: 'platform', type: 'list' },
    ],
  },
  async run(ctx, a) {
    const output = a.string('output');
    if (!output && ctx.stdout.isTTY) throw new CliError('cowardly refusing to save to a terminal. Use the -o flag or redirect', 1);
    const client = await ctx.client();
    const res = await client.call('GET', '/images/get', { query: { names: a.args } });
    if (output) {
      // Write beside the target and rename, so a failed save leaves no half-written file.
      const tmp = `${output}.wharf-tmp-${process.pid}`;
      const { rename, rm } = await import('node:fs/promises');
      try {
        await pipeline(res, createWriteStream(tmp));
        await rename(tmp, output);
      } catch (err) {
        await rm(tmp, { force: true });
        throw new CliError(`failed to save image: ${(err as Error).message}`, 1);
      }
    } else {
      await pipeline(res, ctx.stdout as unknown as NodeJS.WritableStream, { end: false });
    }
  },
};

export { importCmd as import };
