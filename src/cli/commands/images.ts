/** `images` (image ls) and `history`. */
import type { Command } from '../context.js';
import { renderRows, type Row } from '../format/list.js';
import { ago, goTimeString, humanSize } from '../format/units.js';
import { filtersParam, shortId } from './common.js';
import { ellipsis } from './ps-rows.js';

interface ImageSummary {
  Id: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  Created: number;
  Size: number;
  VirtualSize?: number;
  SharedSize?: number;
  Containers?: number;
  Labels?: Record<string, string> | null;
}

const imageHeaders: Record<string, string> = {
  Repository: 'REPOSITORY',
  Tag: 'TAG',
  Digest: 'DIGEST',
  ID: 'IMAGE ID',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  Size: 'SIZE',
  Containers: 'CONTAINERS',
  VirtualSize: 'VIRTUAL SIZE',
  SharedSize: 'SHARED SIZE',
  UniqueSize: 'UNIQUE SIZE',
};

function splitRef(ref: string): [string, string] {
  const at = ref.indexOf('@');
  if (at >= 0) return [ref.slice(0, at), ref.slice(at + 1)];
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) return [ref.slice(0, colon), ref.slice(colon + 1)];
  return [ref, ''];
}

/** One row per repository:tag (and per digest-only repository), as docker lists them. */
export function imageRows(img: ImageSummary, trunc: boolean, now = Date.now()): Row[] {
  const tags = (img.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
  const digests = (img.RepoDigests ?? []).filter((d) => d !== '<none>@<none>');
  const repos: string[] = [];
  for (const r of [...tags, ...digests]) {
    const [repo] = splitRef(r);
    if (!repos.includes(repo)) repos.push(repo);
  }
  const base = (repo: string, tag: string, digest: string): Row => ({
    Repository: repo,
    Tag: tag,
    Digest: digest || '<none>',
    ID: trunc ? shortId(img.Id) : img.Id,
    CreatedSince: ago(img.Created, now),
    CreatedAt: goTimeString(new Date(img.Created * 1000)),
    Size: humanSize(img.Size, 3),
    Containers: img.Containers === undefined || img.Containers < 0 ? 'N/A' : String(img.Containers),
    VirtualSize: humanSize(img.VirtualSize ?? img.Size),
    SharedSize: img.SharedSize === undefined || img.SharedSize < 0 ? 'N/A' : humanSize(img.SharedSize, 3),
    UniqueSize: img.SharedSize === undefined || img.SharedSize < 0 ? 'N/A' : humanSize(img.Size - img.SharedSize, 3),
    Label: (name: unknown) => img.Labels?.[String(name)] ?? '',
  });
  if (repos.length === 0) return [base('<none>', '<none>', '')];
  const rows: Row[] = [];
  for (const repo of repos) {
    const digest = digests.map(splitRef).find(([r]) => r === repo)?.[1] ?? '';
    const repoTags = tags.map(splitRef).filter(([r]) => r === repo);
    if (repoTags.length === 0) rows.push(base(repo, '<none>', digest));
    for (const [, tag] of repoTags) rows.push(base(repo, tag, digest));
  }
  return rows;
}

export const images: Command = {
  spec: {
    name: 'images',
    usage: '[OPTIONS] [REPOSITORY[:TAG]]',
    description: 'List images',
    maxArgs: 1,
    flags: [
      { name: 'all', short: 'a', type: 'bool' },
      { name: 'quiet', short: 'q', type: 'bool' },
      { name: 'digests', type: 'bool' },
      { name: 'filter', short: 'f', type: 'list' },
      { name: 'format', type: 'string' },
      { name: 'no-trunc', type: 'bool' },
      { name: 'tree', type: 'bool' },
    ],
  },
  async run(ctx, a) {
    const filters = [...a.list('filter')];
    if (a.args[0]) filters.push(`reference=${a.args[0]}`);
    const client = await ctx.client();
    const list = await client.json<ImageSummary[]>('GET', '/images/json', {
      query: { all: a.bool('all') || undefined, filters: filtersParam(filters), digests: a.bool('digests') || undefined },
    });
    list.sort((x, y) => y.Created - x.Created);
    const trunc = !a.bool('no-trunc');
    const rows = list.flatMap((img) => imageRows(img, trunc));
    let fmt = a.string('format');
    // -q prints one ID per listed row, as docker does (an image tagged twice shows twice).
    if (a.bool('quiet') && (!fmt || fmt === 'table')) fmt = '{{.ID}}';
    const digestCol = a.bool('digests') ? '\t{{.Digest}}' : '';
    const defaultTable = `table {{.Repository}}\t{{.Tag}}${digestCol}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}`;
    ctx.stdout.write(renderRows(rows, { format: fmt, defaultTable, headers: imageHeaders }));
  },
};

interface HistoryEntry {
  Id: string;
  Created: number;
  CreatedBy: string;
  Tags?: string[] | null;
  Size: number;
  Comment: string;
}

export const history: Command = {
  spec: {
    name: 'history',
    usage: '[OPTIONS] IMAGE',
    description: 'Show the history of an image',
    minArgs: 1,
    maxArgs: 1,
    flags: [
      { name: 'human', short: 'H', type: 'bool' },
      { name: 'quiet', short: 'q', type: 'bool' },
      { name: 'no-trunc', type: 'bool' },
      { name: 'format', type: 'string' },
      { name: 'platform', type: 'string' },
    ],
  },
  async run(ctx, a) {
    const client = await ctx.client();
    const list = await client.json<HistoryEntry[]>('GET', `/images/${encodeURIComponent(a.args[0])}/history`);
    const trunc = !a.bool('no-trunc');
    const human = a.bool('human', true);
    const rows: Row[] = list.map((h) => {
      const createdBy = h.CreatedBy.replace(/\t/g, ' ');
      return {
        ID: h.Id === '<missing>' || !trunc ? h.Id : shortId(h.Id),
        CreatedSince: human ? ago(h.Created) : new Date(h.Created * 1000).toISOString().replace(/\.\d+Z$/, 'Z'),
        CreatedAt: new Date(h.Created * 1000).toISOString().replace(/\.\d+Z$/, 'Z'),
        CreatedBy: trunc ? ellipsis(createdBy, 45) : createdBy,
        Size: human ? humanSize(h.Size, 3) : String(h.Size),
        Comment: h.Comment,
      };
    });
    let fmt = a.string('format');
    if (a.bool('quiet') && (!fmt || fmt === 'table')) fmt = '{{.ID}}';
    ctx.stdout.write(
      renderRows(rows, {
        format: fmt,
        defaultTable: 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}',
        headers: { ID: 'IMAGE', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT' },
      }),
    );
  },
};
