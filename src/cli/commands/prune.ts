/** container prune, image prune and system prune, with docker's prompts and reports. */
import type { ApiClient } from '../api/client.js';
import { ApiError, CliError } from '../cli-error.js';
import type { CliContext, Command } from '../context.js';
import { humanSize } from '../format/units.js';
import { filtersParam } from './common.js';

/** Asks "[y/N]" on the terminal; anything but y/yes declines. */
export async function confirm(ctx: CliContext, warning: string): Promise<boolean> {
  ctx.stdout.write(`${warning}\nAre you sure you want to continue? [y/N] `);
  const answer = await new Promise<string>((resolve) => {
    let buf = '';
    const onData = (c: Buffer) => {
      buf += c.toString('utf8');
      if (buf.includes('\n')) done();
    };
    const done = () => {
      ctx.stdin.removeListener('data', onData);
      ctx.stdin.removeListener('end', done);
      ctx.stdin.pause();
      resolve(buf.split('\n')[0].trim().toLowerCase());
    };
    ctx.stdin.on('data', onData);
    ctx.stdin.once('end', done);
    ctx.stdin.resume();
  });
  if (answer !== 'y' && answer !== 'yes') {
    ctx.stdout.write('\n');
    return false;
  }
  return true;
}

const pruneFlags: Command['spec']['flags'] = [
  { name: 'force', short: 'f', type: 'bool' },
  { name: 'filter', type: 'list' },
];

async function pruneContainers(client: ApiClient, filters: string[]): Promise<{ text: string; space: number }> {
  const r = await client.json<{ ContainersDeleted?: string[] | null; SpaceReclaimed?: number }>('POST', '/containers/prune', { query: { filters: filtersParam(filters) } });
  const del = r.ContainersDeleted ?? [];
  return { text: del.length > 0 ? `Deleted Containers:\n${del.join('\n')}\n\n` : '', space: r.SpaceReclaimed ?? 0 };
}

async function pruneImages(client: ApiClient, all: boolean, filters: string[]): Promise<{ text: string; space: number }> {
  const r = await client.json<{ ImagesDeleted?: { Untagged?: string; Deleted?: string }[] | null; SpaceReclaimed?: number }>('POST', '/images/prune', {
    query: { filters: filtersParam([...filters, `dangling=${!all}`]) },
  });
  const del = r.ImagesDeleted ?? [];
  const lines = del.map((d) => (d.Untagged ? `untagged: ${d.Untagged}` : `deleted: ${d.Deleted}`));
  return { text: lines.length > 0 ? `Deleted Images:\n${lines.join('\n')}\n\n` : '', space: r.SpaceReclaimed ?? 0 };
}

/** Prunes that the daemon may not offer (networks, volumes, build cache) count as empty. */
async function optional<T>(p: Promise<T>, empty: T): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.status === 501)) return empty;
    throw err;
  }
}

export const containerPrune: Command = {
  spec: { name: 'container prune', usage: '[OPTIONS]', description: 'Remove all stopped containers', maxArgs: 0, flags: pruneFlags },
  async run(ctx, a) {
    if (!a.bool('force') && !(await confirm(ctx, 'WARNING! This will remove all stopped containers.'))) return 0;
    const client = await ctx.client();
    const r = await pruneContainers(client, a.list('filter'));
    ctx.stdout.write(`${r.text}Total reclaimed space: ${humanSize(r.space)}\n`);
  },
};

export const imagePrune: Command = {
  spec: { name: 'image prune', usage: '[OPTIONS]', description: 'Remove unused images', maxArgs: 0, flags: [...pruneFlags, { name: 'all', short: 'a', type: 'bool' }] },
  async run(ctx, a) {
    const all = a.bool('all');
    const warning = all ? 'WARNING! This will remove all images without at least one container associated to them.' : 'WARNING! This will remove all dangling images.';
    if (!a.bool('force') && !(await confirm(ctx, warning))) return 0;
    const client = await ctx.client();
    const r = await pruneImages(client, all, a.list('filter'));
    ctx.stdout.write(`${r.text}Total reclaimed space: ${humanSize(r.space)}\n`);
  },
};

export const systemPrune: Command = {
  spec: {
    name: 'system prune',
    usage: '[OPTIONS]',
    description: 'Remove unused data',
    maxArgs: 0,
    flags: [...pruneFlags, { name: 'all', short: 'a', type: 'bool' }, { name: 'volumes', type: 'bool' }],
  },
  async run(ctx, a) {
    const all = a.bool('all');
    const items = [
      'all stopped containers',
      'all networks not used by at least one container',
      ...(a.bool('volumes') ? ['all anonymous volumes not used by at least one container'] : []),
      all ? 'all images without at least one container associated to them' : 'all dangling images',
      all ? 'all build cache' : 'unused build cache',
    ];
    if (!a.bool('force') && !(await confirm(ctx, `WARNING! This will remove:\n${items.map((i) => `  - ${i}`).join('\n')}\n`))) return 0;
    const client = await ctx.client();
    const filters = a.list('filter');
    let space = 0;
    let text = '';
    const c = await pruneContainers(client, filters);
    text += c.text;
    space += c.space;
    const n = await optional(client.json<{ NetworksDeleted?: string[] | null }>('POST', '/networks/prune', { query: { filters: filtersParam(filters) } }), {});
    if ((n.NetworksDeleted ?? []).length > 0) text += `Deleted Networks:\n${(n.NetworksDeleted ?? []).join('\n')}\n\n`;
    if (a.bool('volumes')) {
      const v = await optional(client.json<{ VolumesDeleted?: string[] | null; SpaceReclaimed?: number }>('POST', '/volumes/prune', { query: { filters: filtersParam(filters) } }), {});
      if ((v.VolumesDeleted ?? []).length > 0) text += `Deleted Volumes:\n${(v.VolumesDeleted ?? []).join('\n')}\n\n`;
      space += v.SpaceReclaimed ?? 0;
    }
    const i = await pruneImages(client, all, filters);
    text += i.text;
    space += i.space;
    const b = await optional(client.json<{ CachesDeleted?: string[] | null; SpaceReclaimed?: number }>('POST', '/build/prune', { query: { all: all || undefined } }), {});
    if ((b.CachesDeleted ?? []).length > 0) text += `Deleted build cache objects:\n${(b.CachesDeleted ?? []).join('\n')}\n\n`;
    space += b.SpaceReclaimed ?? 0;
    ctx.stdout.write(`${text}Total reclaimed space: ${humanSize(space)}\n`);
    void CliError;
  },
};
