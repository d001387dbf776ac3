/** Container lifecycle commands that take names and print them back: stop, kill, restart, pause, unpause, wait, rm, rename, top, port. */
import type { CommandSpec } from '../args.js';
import type { CliContext, Command } from '../context.js';
import { alignColumns } from '../format/tabwriter.js';
import { eachName, intFlag } from './common.js';

const c = (name: string) => `/containers/${encodeURIComponent(name)}`;

function simple(spec: CommandSpec, op: (ctx: CliContext, name: string, a: import('../args.js').ParsedArgs) => Promise<string | undefined>): Command {
  return {
    spec,
    async run(ctx, a) {
      const client = await ctx.client();
      void client;
      return eachName(ctx, a.args, (name) => op(ctx, name, a));
    },
  };
}

const timeFlags: CommandSpec['flags'] = [
  { name: 'timeout', short: 't', type: 'string', aliases: ['time'] },
  { name: 'signal', short: 's', type: 'string' },
];

export const stop = simple(
  { name: 'stop', usage: '[OPTIONS] CONTAINER [CONTAINER...]', description: 'Stop one or more running containers', minArgs: 1, flags: timeFlags },
  async (ctx, name, a) => {
    await (await ctx.client()).call('POST', `${c(name)}/stop`, { query: { t: intFlag(a.string('timeout'), '-t, --timeout'), signal: a.string('signal') } }).then((r) => r.resume());
    return name;
  },
);

export const restart = simple(
  { name: 'restart', usage: '[OPTIONS] CONTAINER [CONTAINER...]', description: 'Restart one or more containers', minArgs: 1, flags: timeFlags },
  async (ctx, name, a) => {
    await (await ctx.client()).call('POST', `${c(name)}/restart`, { query: { t: intFlag(a.string('timeout'), '-t, --timeout'), signal: a.string('signal') } }).then((r) => r.resume());
    return name;
  },
);

export const kill = simple(
  { name: 'kill', usage: '[OPTIONS] CONTAINER [CONTAINER...]', description: 'Kill one or more running containers', minArgs: 1, flags: [{ name: 'signal', short: 's', type: 'string' }] },
  async (ctx, name, a) => {
    await (await ctx.client()).call('POST', `${c(name)}/kill`, { query: { signal: a.string('signal') } }).then((r) => r.resume());
    return name;
  },
);

export const pause = simple(
  { name: 'pause', usage: 'CONTAINER [CONTAINER...]', description: 'Pause all processes within one or more containers', minArgs: 1, flags: [] },
  async (ctx, name) => {
    await (await ctx.client()).call('POST', `${c(name)}/pause`).then((r) => r.resume());
    return name;
  },
);

export const unpause = simple(
  { name: 'unpause', usage: 'CONTAINER [CONTAINER...]', description: 'Unpause all processes within one or more containers', minArgs: 1, flags: [] },
  async (ctx, name) => {
    await (await ctx.client()).call('POST', `${c(name)}/unpause`).then((r) => r.resume());
    return name;
  },
);

export const wait = simple(
  { name: 'wait', usage: 'CONTAINER [CONTAINER...]', description: 'Block until one or more containers stop, then print their exit codes', minArgs: 1, flags: [] },
  async (ctx, name) => {
    const res = await (await ctx.client()).json<{ StatusCode: number; Error?: { Message?: string } | null }>('POST', `${c(name)}/wait`);
    return String(res.StatusCode);
  },
);

export const rm = simple(
  {
    name: 'rm',
    usage: '[OPTIONS] CONTAINER [CONTAINER...]',
    description: 'Remove one or more containers',
    minArgs: 1,
    flags: [
      { name: 'force', short: 'f', type: 'bool' },
      { name: 'volumes', short: 'v', type: 'bool' },
      { name: 'link', short: 'l', type: 'bool' },
    ],
  },
  async (ctx, name, a) => {
    const trimmed = name.replace(/^\/+/, '');
    if (!trimmed) throw new (await import('../cli-error.js')).CliError('Container name cannot be empty', 1);
    await (await ctx.client())
      .call('DELETE', c(trimmed), { query: { force: a.bool('force') || undefined, v: a.bool('volumes') || undefined, link: a.bool('link') || undefined } })
      .then((r) => r.resume());
    return name;
  },
);

export const rename: Command = {
  spec: { name: 'rename', usage: 'CONTAINER NEW_NAME', description: 'Rename a container', minArgs: 2, maxArgs: 2, flags: [] },
  async run(ctx, a) {
    const [oldName, newName] = a.args;
    if (!oldName.trim() || !newName.trim()) {
      const { CliError } = await import('../cli-error.js');
      throw new CliError('Error: Neither old nor new names may be empty', 1);
    }
    await (await ctx.client()).call('POST', `${c(oldName)}/rename`, { query: { name: newName } }).then((r) => r.resume());
  },
};

export const top: Command = {
  spec: { name: 'top', usage: 'CONTAINER [ps OPTIONS]', description: 'Display the running processes of a container', minArgs: 1, interspersed: false, flags: [] },
  async run(ctx, a) {
    const [name, ...psArgs] = a.args;
    const res = await (await ctx.client()).json<{ Titles: string[]; Processes: string[][] }>('GET', `${c(name)}/top`, {
      query: { ps_args: psArgs.length > 0 ? psArgs.join(' ') : undefined },
    });
    const lines = [res.Titles.join('\t'), ...(res.Processes ?? []).map((p) => p.join('\t'))];
    ctx.stdout.write(alignColumns(`${lines.join('\n')}\n`, 20, 3));
  },
};

export const port: Command = {
  spec: { name: 'port', usage: 'CONTAINER [PRIVATE_PORT[/PROTO]]', description: 'List port mappings or a specific mapping for the container', minArgs: 1, maxArgs: 2, flags: [] },
  async run(ctx, a) {
    const info = await (await ctx.client()).json<{ NetworkSettings?: { Ports?: Record<string, { HostIp: string; HostPort: string }[] | null> } }>('GET', `${c(a.args[0])}/json`);
    const ports = info.NetworkSettings?.Ports ?? {};
    const want = a.args[1] ? (a.args[1].includes('/') ? a.args[1] : `${a.args[1]}/tcp`) : undefined;
    const lines: string[] = [];
    for (const key of Object.keys(ports).sort()) {
      if (want && key !== want) continue;
      for (const b of ports[key] ?? []) {
        const host = b.HostIp.includes(':') ? `[${b.HostIp}]` : b.HostIp || '0.0.0.0';
        lines.push(want ? `${host}:${b.HostPort}` : `${key} -> ${host}:${b.HostPort}`);
      }
    }
    if (want && lines.length === 0) {
      const { CliError } = await import('../cli-error.js');
      throw new CliError(`Error: No public port '${want}' published for ${a.args[0]}`, 1);
    }
    ctx.stdout.write(lines.map((l) => `${l}\n`).join(''));
  },
};
