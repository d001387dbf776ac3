/** `inspect`, `container inspect`, `image inspect`: a JSON array indented like docker's, or -f templates. */
import type { CommandSpec, ParsedArgs } from '../args.js';
import { ApiError, CliError } from '../cli-error.js';
import type { CliContext, Command } from '../context.js';
import { indentJson } from '../format/json-indent.js';
import { unescapeFormat } from '../format/list.js';
import { GoTemplate, TemplateError } from '../format/template.js';

type Kind = 'container' | 'image' | 'network' | 'volume';

const paths: Record<Kind, (name: string) => string> = {
  container: (n) => `/containers/${encodeURIComponent(n)}/json`,
  image: (n) => `/images/${encodeURIComponent(n)}/json`,
  network: (n) => `/networks/${encodeURIComponent(n)}`,
  volume: (n) => `/volumes/${encodeURIComponent(n)}`,
};

const flags: CommandSpec['flags'] = [
  { name: 'format', short: 'f', type: 'string' },
  { name: 'size', short: 's', type: 'bool' },
];

async function inspectAll(ctx: CliContext, a: ParsedArgs, kinds: Kind[], typed: boolean): Promise<number> {
  const format = a.string('format');
  let tmpl: GoTemplate | undefined;
  if (format !== undefined && format !== '' && format !== 'json') {
    try {
      tmpl = new GoTemplate(unescapeFormat(format), { missingKey: 'error' });
    } catch (err) {
      throw new CliError(`template parsing error: ${(err as Error).message}`, 64);
    }
  }
  const client = await ctx.client();
  const found: string[] = [];
  const errors: string[] = [];
  let out = '';
  for (const name of a.args) {
    let raw: string | undefined;
    let lastError: ApiError | undefined;
    for (const kind of kinds) {
      try {
        const query = kind === 'container' && a.bool('size') ? { size: true } : undefined;
        raw = (await client.rawJson(paths[kind](name), query)).toString('utf8');
        break;
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        if (err.status !== 404 && !(err.status === 400 && kinds.length > 1)) {
          lastError = err;
          break;
        }
        lastError = err;
      }
    }
    if (raw === undefined) {
      errors.push(typed || (lastError && lastError.status !== 404) ? (lastError?.display ?? '') : `Error: No such object: ${name}`);
      continue;
    }
    if (tmpl) {
      try {
        out += `${tmpl.execute(JSON.parse(raw))}\n`;
      } catch (err) {
        if (err instanceof TemplateError) {
          ctx.stdout.write(out);
          throw new CliError(`template parsing error: ${err.message}`, 1);
        }
        throw err;
      }
    } else found.push(raw.trim());
  }
  if (tmpl) ctx.stdout.write(out);
  else if (format === 'json') ctx.stdout.write(found.map((r) => `${JSON.stringify(JSON.parse(r))}\n`).join(''));
  else ctx.stdout.write(`${indentJson(`[${found.join(',')}]`)}\n`);
  if (errors.length > 0) {
    ctx.stderr.write(`${errors.join('\n')}\n`);
    return 1;
  }
  return 0;
}

export const inspect: Command = {
  spec: { name: 'inspect', usage: '[OPTIONS] NAME|ID [NAME|ID...]', description: 'Return low-level information on Docker objects', minArgs: 1, flags: [...flags, { name: 'type', type: 'string' }] },
  async run(ctx, a) {
    const type = a.string('type');
    if (type !== undefined && !(type in paths)) throw new CliError(`"${type}" is not a valid value for --type`, 1);
    return inspectAll(ctx, a, type ? [type as Kind] : ['container', 'image', 'network', 'volume'], Boolean(type));
  },
};

export const containerInspect: Command = {
  spec: { name: 'container inspect', usage: '[OPTIONS] CONTAINER [CONTAINER...]', description: 'Display detailed information on one or more containers', minArgs: 1, flags },
  run: (ctx, a) => inspectAll(ctx, a, ['container'], true),
};

export const imageInspect: Command = {
  spec: { name: 'image inspect', usage: '[OPTIONS] IMAGE [IMAGE...]', description: 'Display detailed information on one or more images', minArgs: 1, flags: [flags[0], { name: 'platform', type: 'string' }] },
  run: (ctx, a) => inspectAll(ctx, a, ['image'], true),
};

export const networkInspect: Command = {
  spec: { name: 'network inspect', usage: '[OPTIONS] NETWORK [NETWORK...]', description: 'Display detailed information on one or more networks', minArgs: 1, flags: [flags[0], { name: 'verbose', short: 'v', type: 'bool' }] },
  run: (ctx, a) => inspectAll(ctx, a, ['network'], true),
};

export const volumeInspect: Command = {
  spec: { name: 'volume inspect', usage: '[OPTIONS] VOLUME [VOLUME...]', description: 'Display detailed information on one or more volumes', minArgs: 1, flags: [flags[0]] },
  run: (ctx, a) => inspectAll(ctx, a, ['volume'], true),
};
