/** `ps` (container ls) and `stats`. */
import type { CommandSpec } from '../args.js';
import type { CliContext, Command } from '../context.js';
import { renderRows } from '../format/list.js';
import { bytesSize, humanSize } from '../format/units.js';
import { CliError } from '../cli-error.js';
import { filtersParam, shortId } from './common.js';
import { containerRow, psHeaders, type ContainerSummary } from './ps-rows.js';

const psSpec: CommandSpec = {
  name: 'ps',
  usage: '[OPTIONS]',
  description: 'List containers',
  maxArgs: 0,
  flags: [
    { name: 'all', short: 'a', type: 'bool' },
    { name: 'quiet', short: 'q', type: 'bool' },
    { name: 'last', short: 'n', type: 'int' },
    { name: 'latest', short: 'l', type: 'bool' },
    { name: 'filter', short: 'f', type: 'list' },
    { name: 'format', type: 'string' },
    { name: 'no-trunc', type: 'bool' },
    { name: 'size', short: 's', type: 'bool' },
  ],
};

export const ps: Command = {
  spec: psSpec,
  async run(ctx, a) {
    const last = a.int('last') ?? -1;
    const latest = a.bool('latest');
    const limit = latest ? 1 : last;
    const format = a.string('format');
    // A --format that names .Size asks the daemon for sizes, as docker does.
    const size = a.bool('size') || Boolean(format && /\.Size\b/.test(format));
    const client = await ctx.client();
    const list = await client.json<ContainerSummary[]>('GET', '/containers/json', {
      query: { all: a.bool('all') || limit > 0 || undefined, limit: limit > 0 ? limit : undefined, size: size || undefined, filters: filtersParam(a.list('filter')) },
    });
    const trunc = !a.bool('no-trunc');
    const rows = list.map((c) => containerRow(c, trunc));
    let fmt = format;
    if (a.bool('quiet') && (!fmt || fmt === 'table')) fmt = '{{.ID}}';
    const defaultTable = `table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}${a.bool('size') ? '\t{{.Size}}' : ''}`;
    ctx.stdout.write(renderRows(rows, { format: fmt, defaultTable, headers: psHeaders }));
  },
};

interface StatsJson {
  id?: string;
  name?: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number; percpu_usage?: number[] }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes: number; tx_bytes: number }>;
  blkio_stats?: { io_service_bytes_recursive?: { op: string; value: number }[] | null };
  pids_stats?: { current?: number };
}

const statsHeaders: Record<string, string> = {
  ID: 'CONTAINER ID',
  Container: 'CONTAINER',
  Name: 'NAME',
  CPUPerc: 'CPU %',
  MemUsage: 'MEM USAGE / LIMIT',
  MemPerc: 'MEM %',
  NetIO: 'NET I/O',
  BlockIO: 'BLOCK I/O',
  PIDs: 'PIDS',
};

function statsRow(container: string, s: StatsJson, trunc: boolean): Record<string, unknown> {
  const cpuDelta = (s.cpu_stats?.cpu_usage?.total_usage ?? 0) - (s.precpu_stats?.cpu_usage?.total_usage ?? 0);
  const sysDelta = (s.cpu_stats?.system_cpu_usage ?? 0) - (s.precpu_stats?.system_cpu_usage ?? 0);
  const cpus = s.cpu_stats?.online_cpus || s.cpu_stats?.cpu_usage?.percpu_usage?.length || 1;
  const cpu = sysDelta > 0 && cpuDelta > 0 ? (cpuDelta / sysDelta) * cpus * 100 : 0;
  const m = s.memory_stats ?? {};
  const st = m.stats ?? {};
  let used = m.usage ?? 0;
  const inactive = st.total_inactive_file ?? st.inactive_file;
  if (inactive !== undefined && inactive < used) used -= inactive;
  const limit = m.limit ?? 0;
  let rx = 0;
  let tx = 0;
  for (const n of Object.values(s.networks ?? {})) {
    rx += n.rx_bytes;
    tx += n.tx_bytes;
  }
  let read = 0;
  let write = 0;
  for (const e of s.blkio_stats?.io_service_bytes_recursive ?? []) {
    if (e.op.toLowerCase() === 'read') read += e.value;
    if (e.op.toLowerCase() === 'write') write += e.value;
  }
  const id = s.id ?? container;
  return {
    ID: trunc ? shortId(id) : id,
    Container: container,
    Name: (s.name ?? '').replace(/^\//, '') || '--',
    CPUPerc: `${cpu.toFixed(2)}%`,
    MemUsage: `${bytesSize(used)} / ${bytesSize(limit)}`,
    MemPerc: `${(limit > 0 ? (used / limit) * 100 : 0).toFixed(2)}%`,
    NetIO: `${humanSize(rx, 3)} / ${humanSize(tx, 3)}`,
    BlockIO: `${humanSize(read, 3)} / ${humanSize(write, 3)}`,
    PIDs: String(s.pids_stats?.current ?? 0),
  };
}

export const stats: Command = {
  spec: {
    name: 'stats',
    usage: '[OPTIONS] [CONTAINER...]',
    description: 'Display a live stream of container(s) resource usage statistics',
    flags: [
      { name: 'all', short: 'a', type: 'bool' },
      { name: 'no-stream', type: 'bool' },
      { name: 'no-trunc', type: 'bool' },
      { name: 'format', type: 'string' },
    ],
  },
  async run(ctx: CliContext, a) {
    const client = await ctx.client();
    const named = a.args;
    const targets = async (): Promise<string[]> => {
      if (named.length > 0) return named;
      const list = await client.json<ContainerSummary[]>('GET', '/containers/json', { query: { all: a.bool('all') || undefined } });
      return list.map((c) => c.Id);
    };
    const defaultTable = 'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';
    const once = async (): Promise<string> => {
      const ids = await targets();
      const rows = await Promise.all(
        ids.map(async (id) => {
          const s = await client.json<StatsJson>('GET', `/containers/${encodeURIComponent(id)}/stats`, { query: { stream: '0' } });
          return statsRow(id, s, !a.bool('no-trunc'));
        }),
      );
      return renderRows(rows, { format: a.string('format'), defaultTable, headers: statsHeaders });
    };
    if (a.bool('no-stream')) {
      ctx.stdout.write(await once());
      return;
    }
    for (;;) {
      const text = await once().catch((err: unknown) => {
        throw err instanceof CliError ? err : err;
      });
      ctx.stdout.write(`\x1b[2J\x1b[H${text}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  },
};
