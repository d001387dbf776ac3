/** events, version, info, system df; the prune commands live in prune.ts. */
import { jsonLineTexts } from '../api/client.js';
import { CliError, ConnectError } from '../cli-error.js';
import type { CliContext, Command } from '../context.js';
import { jsonLine, renderRows, unescapeFormat, type Row } from '../format/list.js';
import { GoTemplate } from '../format/template.js';
import { ago, humanSize, parseTimestamp } from '../format/units.js';
import { filtersParam, shortId } from './common.js';
import { containerRow, psHeaders } from './ps-rows.js';
import { imageRows } from './images.js';

export { containerPrune, imagePrune, systemPrune } from './prune.js';

const CLI_VERSION = '0.1.0';

/** Go's RFC3339NanoFixed in local time: 2026-11-21T19:35:29.196510727Z */
export function rfc3339NanoFixed(timeNano: bigint): string {
  const ms = Number(timeNano / 1000000n);
  const d = new Date(ms);
  const off = -d.getTimezoneOffset();
  const local = new Date(ms + off * 60000);
  const base = local.toISOString().slice(0, 19);
  const nanos = String(timeNano % 1000000000n).padStart(9, '0');
  const zone = off === 0 ? 'Z' : `${off < 0 ? '-' : '+'}${String(Math.trunc(Math.abs(off) / 60)).padStart(2, '0')}:${String(Math.abs(off) % 60).padStart(2, '0')}`;
  return `${base}.${nanos}${zone}`;
}

interface EventMessage {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

export function eventLine(e: EventMessage, rawTimeNano?: bigint): string {
  let out = '';
  const tn = rawTimeNano ?? (e.timeNano ? BigInt(Math.round(e.timeNano)) : e.time ? BigInt(e.time) * 1000000000n : 0n);
  if (tn !== 0n) out += `${rfc3339NanoFixed(tn)} `;
  out += `${e.Type ?? ''} ${e.Action ?? ''} ${e.Actor?.ID ?? ''}`;
  const attrs = e.Actor?.Attributes ?? {};
  const keys = Object.keys(attrs).sort();
  if (keys.length > 0) out += ` (${keys.map((k) => `${k}=${attrs[k]}`).join(', ')})`;
  return `${out}\n`;
}

export const events: Command = {
  spec: {
    name: 'events',
    usage: '[OPTIONS]',
    description: 'Get real time events from the server',
    maxArgs: 0,
    flags: [
      { name: 'filter', short: 'f', type: 'list' },
      { name: 'since', type: 'string' },
      { name: 'until', type: 'string' },
      { name: 'format', type: 'string' },
    ],
  },
  async run(ctx, a) {
    const ts = (v: string | undefined) => {
      if (v === undefined) return undefined;
      try {
        return parseTimestamp(v);
      } catch (err) {
        throw new CliError((err as Error).message, 1);
      }
    };
    const client = await ctx.client();
    const res = await client.call('GET', '/events', { query: { since: ts(a.string('since')), until: ts(a.string('until')), filters: filtersParam(a.list('filter')) } });
    const format = a.string('format');
    const tmpl = format && format !== 'json' ? new GoTemplate(unescapeFormat(format)) : undefined;
    for await (const line of jsonLineTexts(res)) {
      const e = JSON.parse(line) as EventMessage;
      if (format === 'json') ctx.stdout.write(`${JSON.stringify(e)}\n`);
      else if (tmpl) ctx.stdout.write(`${tmpl.execute(e)}\n`);
      else {
        // timeNano exceeds a double's precision: read it from the text.
        const nano = /"timeNano":\s*(\d+)/.exec(line)?.[1];
        ctx.stdout.write(eventLine(e, nano ? BigInt(nano) : undefined));
      }
    }
  },
};

interface VersionJson {
  Platform?: { Name?: string };
  Components?: { Name: string; Version: string; Details?: Record<string, string> }[];
  Version?: string;
  ApiVersion?: string;
  MinAPIVersion?: string;
  GitCommit?: string;
  GoVersion?: string;
  Os?: string;
  Arch?: string;
  KernelVersion?: string;
  BuildTime?: string;
  Experimental?: boolean;
}

function pad(label: string, width: number): string {
  return `${label}:`.padEnd(width);
}

export const version: Command = {
  spec: { name: 'version', usage: '[OPTIONS]', description: 'Show the Wharf version information', maxArgs: 0, flags: [{ name: 'format', short: 'f', type: 'string' }] },
  async run(ctx, a) {
    const client: Record<string, unknown> = {
      Version: CLI_VERSION,
      ApiVersion: '',
      DefaultAPIVersion: '1.47',
      GitCommit: '',
      GoVersion: `node ${process.version}`,
      Os: process.platform,
      Arch: process.arch === 'x64' ? 'amd64' : process.arch,
      BuildTime: '',
      Context: 'default',
    };
    let server: VersionJson | undefined;
    let serverError: Error | undefined;
    try {
      const c = await ctx.client();
      client.ApiVersion = c.version;
      server = await c.json<VersionJson>('GET', '/version');
    } catch (err) {
      serverError = err as Error;
      client.ApiVersion = '1.47';
    }
    const format = a.string('format');
    if (format) {
      const data = { Client: client, Server: server ?? null };
      ctx.stdout.write(format === 'json' ? `${jsonLine(data)}\n` : `${new GoTemplate(unescapeFormat(format)).execute(data)}\n`);
    } else {
      const apiNote = client.ApiVersion !== client.DefaultAPIVersion ? ` (downgraded from ${String(client.DefaultAPIVersion)})` : '';
      let text =
        `Client:\n ${pad('Version', 19)}${CLI_VERSION}\n ${pad('API version', 19)}${String(client.ApiVersion)}${server ? apiNote : ''}\n` +
        ` ${pad('Node version', 19)}${process.version}\n ${pad('OS/Arch', 19)}${String(client.Os)}/${String(client.Arch)}\n ${pad('Context', 19)}default\n`;
      if (server) {
        text += `\nServer:${server.Platform?.Name ? ` ${server.Platform.Name}` : ''}\n`;
        for (const comp of server.Components ?? []) {
          text += ` ${comp.Name}:\n`;
          const d = comp.Details ?? {};
          if (comp.Name === 'Engine') {
            text += `  ${pad('Version', 18)}${comp.Version}\n  ${pad('API version', 18)}${d.ApiVersion ?? server.ApiVersion ?? ''} (minimum version ${d.MinAPIVersion ?? server.MinAPIVersion ?? ''})\n`;
            text += `  ${pad('Go version', 18)}${d.GoVersion ?? server.GoVersion ?? ''}\n  ${pad('Git commit', 18)}${d.GitCommit ?? ''}\n  ${pad('Built', 18)}${d.BuildTime ?? ''}\n`;
            text += `  ${pad('OS/Arch', 18)}${d.Os ?? server.Os ?? ''}/${d.Arch ?? server.Arch ?? ''}\n  ${pad('Experimental', 18)}${d.Experimental ?? String(server.Experimental ?? false)}\n`;
          } else {
            text += `  ${pad('Version', 18)}${comp.Version}\n`;
            if (d.GitCommit !== undefined) text += `  ${pad('GitCommit', 18)}${d.GitCommit}\n`;
          }
        }
      }
      ctx.stdout.write(text);
    }
    if (serverError) {
      if (serverError instanceof ConnectError) throw serverError;
      throw serverError;
    }
  },
};

type InfoJson = Record<string, unknown> & {
  Containers?: number;
  ContainersRunning?: number;
  ContainersPaused?: number;
  ContainersStopped?: number;
  Images?: number;
};

export const info: Command = {
  spec: { name: 'info', usage: '[OPTIONS]', description: 'Display system-wide information', maxArgs: 0, flags: [{ name: 'format', short: 'f', type: 'string' }] },
  async run(ctx, a) {
    const c = await ctx.client();
    const i = await c.json<InfoJson>('GET', '/info');
    const format = a.string('format');
    if (format) {
      ctx.stdout.write(format === 'json' ? `${JSON.stringify(i)}\n` : `${new GoTemplate(unescapeFormat(format)).execute(i)}\n`);
      return;
    }
    const s = (k: string) => (i[k] === undefined || i[k] === null ? '' : String(i[k]));
    const lines = [
      'Client:',
      ` Version:    ${CLI_VERSION}`,
      ' Context:    default',
      ` Debug Mode: false`,
      '',
      'Server:',
      ` Containers: ${s('Containers')}`,
      `  Running: ${s('ContainersRunning')}`,
      `  Paused: ${s('ContainersPaused')}`,
      `  Stopped: ${s('ContainersStopped')}`,
      ` Images: ${s('Images')}`,
      ` Server Version: ${s('ServerVersion')}`,
      ` Storage Driver: ${s('Driver')}`,
      ` Logging Driver: ${s('LoggingDriver')}`,
      ` Cgroup Driver: ${s('CgroupDriver')}`,
      ` Cgroup Version: ${s('CgroupVersion')}`,
      ` Default Runtime: ${s('DefaultRuntime')}`,
      ` Init Binary: ${s('InitBinary')}`,
      ` Kernel Version: ${s('KernelVersion')}`,
      ` Operating System: ${s('OperatingSystem')}`,
      ` OSType: ${s('OSType')}`,
      ` Architecture: ${s('Architecture')}`,
      ` CPUs: ${s('NCPU')}`,
      ` Total Memory: ${typeof i.MemTotal === 'number' ? binary(i.MemTotal) : ''}`,
      ` Name: ${s('Name')}`,
      ` ID: ${s('ID')}`,
      ` Docker Root Dir: ${s('DockerRootDir')}`,
      ` Debug Mode: ${s('Debug')}`,
      ` Experimental: ${s('ExperimentalBuild')}`,
      ` Live Restore Enabled: ${s('LiveRestoreEnabled')}`,
    ];
    ctx.stdout.write(`${lines.join('\n')}\n\n`);
    for (const w of (i.Warnings as string[] | null) ?? []) ctx.stderr.write(`${w}\n`);
  },
};

function binary(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${Number(v.toPrecision(4))}${units[u]}`;
}

interface DfJson {
  LayersSize?: number;
  Images?: { Id: string; Containers: number; Size: number; SharedSize: number; RepoTags?: string[] | null; RepoDigests?: string[] | null; Created: number }[] | null;
  Containers?: (Parameters<typeof containerRow>[0] & { SizeRw?: number })[] | null;
  Volumes?: { Name: string; UsageData?: { Size: number; RefCount: number } | null }[] | null;
  BuildCache?: { Size: number; InUse: boolean; Shared: boolean }[] | null;
}

function reclaim(reclaimable: number, total: number): string {
  return total > 0 ? `${humanSize(reclaimable)} (${Math.trunc((100 * reclaimable) / total)}%)` : humanSize(reclaimable);
}

export const df: Command = {
  spec: {
    name: 'system df',
    usage: '[OPTIONS]',
    description: 'Show docker disk usage',
    maxArgs: 0,
    flags: [
      { name: 'verbose', short: 'v', type: 'bool' },
      { name: 'format', type: 'string' },
    ],
  },
  async run(ctx: CliContext, a) {
    const c = await ctx.client();
    const d = await c.json<DfJson>('GET', '/system/df');
    const images = d.Images ?? [];
    const containers = d.Containers ?? [];
    const volumes = d.Volumes ?? [];
    const cache = d.BuildCache ?? [];
    const imgTotal = d.LayersSize ?? images.reduce((s, i) => s + i.Size - Math.max(0, i.SharedSize), 0);
    const imgActive = images.filter((i) => i.Containers > 0);
    const usedSize = imgActive.reduce((s, i) => s + i.Size - Math.max(0, i.SharedSize), 0) + (imgActive.length > 0 ? 0 : 0);
    const ctrTotal = containers.reduce((s, x) => s + (x.SizeRw ?? 0), 0);
    const ctrReclaim = containers.filter((x) => x.State !== 'running').reduce((s, x) => s + (x.SizeRw ?? 0), 0);
    const volTotal = volumes.reduce((s, v) => s + Math.max(0, v.UsageData?.Size ?? 0), 0);
    const volReclaim = volumes.filter((v) => (v.UsageData?.RefCount ?? 0) === 0).reduce((s, v) => s + Math.max(0, v.UsageData?.Size ?? 0), 0);
    const cacheTotal = cache.reduce((s, b) => s + b.Size, 0);
    const cacheReclaim = cache.filter((b) => !b.InUse && !b.Shared).reduce((s, b) => s + b.Size, 0);
    const rows: Row[] = [
      { Type: 'Images', TotalCount: String(images.length), Active: String(imgActive.length), Size: humanSize(imgTotal), Reclaimable: reclaim(Math.max(0, imgTotal - usedSize), imgTotal) },
      { Type: 'Containers', TotalCount: String(containers.length), Active: String(containers.filter((x) => x.State === 'running').length), Size: humanSize(ctrTotal), Reclaimable: reclaim(ctrReclaim, ctrTotal) },
      { Type: 'Local Volumes', TotalCount: String(volumes.length), Active: String(volumes.filter((v) => (v.UsageData?.RefCount ?? 0) > 0).length), Size: humanSize(volTotal), Reclaimable: reclaim(volReclaim, volTotal) },
      { Type: 'Build Cache', TotalCount: String(cache.length), Active: String(cache.filter((b) => b.InUse).length), Size: humanSize(cacheTotal), Reclaimable: reclaim(cacheReclaim, cacheTotal) },
    ];
    if (!a.bool('verbose')) {
      ctx.stdout.write(
        renderRows(rows, {
          format: a.string('format'),
          defaultTable: 'table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}',
          headers: { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' },
        }),
      );
      return;
    }
    const imgRows = images.flatMap((i) =>
      imageRows({ ...i, Size: i.Size }, true).map((r) => ({ ...r, SharedSize: humanSize(Math.max(0, i.SharedSize), 3), UniqueSize: humanSize(i.Size - Math.max(0, i.SharedSize)), Containers: String(i.Containers) })),
    );
    let text = 'Images space usage:\n\n';
    text += renderRows(imgRows, {
      defaultTable: 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}',
      headers: { Repository: 'REPOSITORY', Tag: 'TAG', ID: 'IMAGE ID', CreatedSince: 'CREATED', Size: 'SIZE', SharedSize: 'SHARED SIZE', UniqueSize: 'UNIQUE SIZE', Containers: 'CONTAINERS' },
    });
    text += '\nContainers space usage:\n\n';
    const ctrRows = containers.map((x) => {
      const r = containerRow(x, true);
      return { ...r, Size: humanSize(x.SizeRw ?? 0, 3), RunningFor: ago(x.Created ?? 0) };
    });
    text += renderRows(ctrRows, {
      defaultTable: 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}',
      headers: psHeaders,
    });
    text += '\nLocal Volumes space usage:\n\n';
    text += renderRows(
      volumes.map((v) => ({ Name: v.Name, Links: String(v.UsageData?.RefCount ?? 0), Size: humanSize(Math.max(0, v.UsageData?.Size ?? 0), 3) })),
      { defaultTable: 'table {{.Name}}\t{{.Links}}\t{{.Size}}', headers: { Name: 'VOLUME NAME', Links: 'LINKS', Size: 'SIZE' } },
    );
    text += `\nBuild cache usage: ${humanSize(cacheTotal)}\n\n`;
    text += renderRows([], {
      defaultTable: 'table {{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}\t{{.UsageCount}}\t{{.Shared}}',
      headers: { ID: 'CACHE ID', CacheType: 'CACHE TYPE', Size: 'SIZE', CreatedSince: 'CREATED', LastUsedSince: 'LAST USED', UsageCount: 'USAGE', Shared: 'SHARED' },
    });
    ctx.stdout.write(text);
    void shortId;
  },
};
