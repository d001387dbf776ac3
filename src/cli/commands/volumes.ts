/** `wharf volume create|ls|rm|prune` (inspect lives with the other inspects). */
import type { Command } from '../context.js';
import { renderRows, type Row } from '../format/list.js';
import { humanSize } from '../format/units.js';
import { eachName, filtersParam, keyValues } from './common.js';
import { confirm } from './prune.js';
import { byCodeUnit } from '../../common/string-order.js';

export const volumeCreate: Command = {
  spec: {
    name: 'volume create',
    usage: '[OPTIONS] [VOLUME]',
    description: 'Create a volume',
    maxArgs: 1,
    flags: [
      { name: 'driver', short: 'd', type: 'string' },
      { name: 'name', type: 'string' },
      { name: 'label', type: 'list' },
      { name: 'opt', short: 'o', type: 'list' },
    ],
  },
  async run(ctx, a) {
    const client = await ctx.client();
    const v = await client.json<{ Name: string }>('POST', '/volumes/create', {
      body: { Name: a.args[0] ?? a.string('name') ?? '', Driver: a.string('driver') ?? 'local', DriverOpts: keyValues(a.list('opt')), Labels: keyValues(a.list('label')) },
    });
    ctx.stdout.write(`${v.Name}\n`);
  },
};

export const volumeLs: Command = {
  spec: {
    name: 'volume ls',
    usage: '[OPTIONS]',
    description: 'List volumes',
    maxArgs: 0,
    flags: [{ name: 'filter', short: 'f', type: 'list' }, { name: 'format', type: 'string' }, { name: 'quiet', short: 'q', type: 'bool' }],
  },
  async run(ctx, a) {
    const client = await ctx.client();
    const res = await client.json<{ Volumes: Record<string, any>[] | null }>('GET', '/volumes', { query: { filters: filtersParam(a.list('filter')) } });
    const vols = (res.Volumes ?? []).sort((x, y) => byCodeUnit(String(x.Name), String(y.Name)));
    const rows: Row[] = vols.map((v) => ({
      Name: v.Name,
      Driver: v.Driver,
      Scope: v.Scope,
      Mountpoint: v.Mountpoint,
      Labels: Object.entries(v.Labels ?? {}).map(([k, val]) => `${k}=${val}`).join(','),
      Links: v.UsageData ? String(v.UsageData.RefCount) : 'N/A',
      Size: v.UsageData && v.UsageData.Size >= 0 ? humanSize(v.UsageData.Size) : 'N/A',
    }));
    let fmt = a.string('format');
    if (a.bool('quiet') && (!fmt || fmt === 'table')) fmt = '{{.Name}}';
    ctx.stdout.write(renderRows(rows, { format: fmt, defaultTable: 'table {{.Driver}}\t{{.Name}}', headers: { Name: 'VOLUME NAME', Driver: 'DRIVER', Scope: 'SCOPE', Mountpoint: 'MOUNTPOINT', Labels: 'LABELS', Links: 'LINKS', Size: 'SIZE' } }));
  },
};

export const volumeRm: Command = {
  spec: { name: 'volume rm', usage: '[OPTIONS] VOLUME [VOLUME...]', description: 'Remove one or more volumes', minArgs: 1, flags: [{ name: 'force', short: 'f', type: 'bool' }] },
  async run(ctx, a) {
    const client = await ctx.client();
    return eachName(ctx, a.args, async (name) => {
      await client.call('DELETE', `/volumes/${encodeURIComponent(name)}`, { query: { force: a.bool('force') || undefined } }).then((r) => r.resume());
      return name;
    });
  },
};

export const volumePrune: Command = {
  spec: { name: 'volume prune', usage: '[OPTIONS]', description: 'Remove unused local volumes', maxArgs: 0, flags: [{ name: 'force', short: 'f', type: 'bool' }, { name: 'all', short: 'a', type: 'bool' }, { name: 'filter', type: 'list' }] },
  async run(ctx, a) {
    const warning = a.bool('all') ? 'WARNING! This will remove all local volumes not used by at least one container.' : 'WARNING! This will remove anonymous local volumes not used by at least one container.';
    if (!a.bool('force') && !(await confirm(ctx, warning))) return 0;
    const client = await ctx.client();
    const filters = [...a.list('filter'), ...(a.bool('all') ? ['all=true'] : [])];
    const r = await client.json<{ VolumesDeleted?: string[] | null; SpaceReclaimed?: number }>('POST', '/volumes/prune', { query: { filters: filtersParam(filters) } });
    const del = r.VolumesDeleted ?? [];
    if (del.length) ctx.stdout.write(`Deleted Volumes:\n${del.join('\n')}\n\n`);
    ctx.stdout.write(`Total reclaimed space: ${humanSize(r.SpaceReclaimed ?? 0)}\n`);
  },
};
