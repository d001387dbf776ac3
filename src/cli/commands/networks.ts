/** `wharf network create|ls|rm|prune|connect|disconnect` (inspect lives with the other inspects). */
import type { Command } from '../context.js';
import { CliError } from '../cli-error.js';
import { renderRows, type Row } from '../format/list.js';
import { eachName, filtersParam, keyValues, shortId } from './common.js';
import { confirm } from './prune.js';
import { byCodeUnit } from '../../common/string-order.js';

export const networkCreate: Command = {
  spec: {
    name: 'network create',
    usage: '[OPTIONS] NETWORK',
    description: 'Create a network',
    minArgs: 1,
    maxArgs: 1,
    flags: [
      { name: 'driver', short: 'd', type: 'string' },
      { name: 'subnet', type: 'list' },
      { name: 'gateway', type: 'list' },
      { name: 'ip-range', type: 'list' },
      { name: 'internal', type: 'bool' },
      { name: 'attachable', type: 'bool' },
      { name: 'ipv6', type: 'bool' },
      { name: 'label', type: 'list' },
      { name: 'opt', short: 'o', type: 'list' },
    ],
  },
  async run(ctx, a) {
    const subnets = a.list('subnet');
    const gateways = a.list('gateway');
    const ranges = a.list('ip-range');
    if (gateways.length > subnets.length || ranges.length > subnets.length) {
      throw new CliError('no matching subnet for gateway or range', 125);
    }
    const config = subnets.map((Subnet, i) => ({ Subnet, ...(gateways[i] ? { Gateway: gateways[i] } : {}), ...(ranges[i] ? { IPRange: ranges[i] } : {}) }));
    const client = await ctx.client();
    const res = await client.json<{ Id: string }>('POST', '/networks/create', {
      body: {
        Name: a.args[0],
        CheckDuplicate: true,
        Driver: a.string('driver') ?? 'bridge',
        Internal: a.bool('internal'),
        Attachable: a.bool('attachable'),
        EnableIPv6: a.bool('ipv6'),
        IPAM: { Driver: 'default', Config: config, Options: {} },
        Options: keyValues(a.list('opt'), '-o, --opt'),
        Labels: keyValues(a.list('label')),
      },
    });
    ctx.stdout.write(`${res.Id}\n`);
  },
};

const networkHeaders = { ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Scope: 'SCOPE', CreatedAt: 'CREATED', Internal: 'INTERNAL', IPv6: 'IPV6', Labels: 'LABELS' };

export const networkLs: Command = {
  spec: {
    name: 'network ls',
    usage: '[OPTIONS]',
    description: 'List networks',
    maxArgs: 0,
    flags: [
      { name: 'filter', short: 'f', type: 'list' },
      { name: 'format', type: 'string' },
      { name: 'quiet', short: 'q', type: 'bool' },
      { name: 'no-trunc', type: 'bool' },
    ],
  },
  async run(ctx, a) {
    const client = await ctx.client();
    const nets = await client.json<Record<string, any>[]>('GET', '/networks', { query: { filters: filtersParam(a.list('filter')) } });
    nets.sort((x, y) => byCodeUnit(String(x.Name), String(y.Name)));
    const rows: Row[] = nets.map((n) => ({
      ID: a.bool('no-trunc') ? n.Id : shortId(n.Id),
      Name: n.Name,
      Driver: n.Driver,
      Scope: n.Scope,
      CreatedAt: n.Created,
      Internal: Boolean(n.Internal),
      IPv6: Boolean(n.EnableIPv6),
      Labels: Object.entries(n.Labels ?? {}).map(([k, v]) => `${k}=${v}`).join(','),
    }));
    let fmt = a.string('format');
    if (a.bool('quiet') && (!fmt || fmt === 'table')) fmt = '{{.ID}}';
    ctx.stdout.write(renderRows(rows, { format: fmt, defaultTable: 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}', headers: networkHeaders }));
  },
};

export const networkRm: Command = {
  spec: { name: 'network rm', usage: 'NETWORK [NETWORK...]', description: 'Remove one or more networks', minArgs: 1, flags: [{ name: 'force', short: 'f', type: 'bool' }] },
  async run(ctx, a) {
    const client = await ctx.client();
    return eachName(ctx, a.args, async (name) => {
      await client.call('DELETE', `/networks/${encodeURIComponent(name)}`).then((r) => r.resume());
      return name;
    });
  },
};

export const networkPrune: Command = {
  spec: { name: 'network prune', usage: '[OPTIONS]', description: 'Remove all unused networks', maxArgs: 0, flags: [{ name: 'force', short: 'f', type: 'bool' }, { name: 'filter', type: 'list' }] },
  async run(ctx, a) {
    if (!a.bool('force') && !(await confirm(ctx, 'WARNING! This will remove all custom networks not used by at least one container.'))) return 0;
    const client = await ctx.client();
    const r = await client.json<{ NetworksDeleted?: string[] | null }>('POST', '/networks/prune', { query: { filters: filtersParam(a.list('filter')) } });
    const del = r.NetworksDeleted ?? [];
    if (del.length) ctx.stdout.write(`Deleted Networks:\n${del.join('\n')}\n\n`);
  },
};

export const networkConnect: Command = {
  spec: {
    name: 'network connect',
    usage: '[OPTIONS] NETWORK CONTAINER',
    description: 'Connect a container to a network',
    minArgs: 2,
    maxArgs: 2,
    flags: [{ name: 'alias', type: 'list' }, { name: 'ip', type: 'string' }, { name: 'ip6', type: 'string' }, { name: 'link', type: 'list' }, { name: 'driver-opt', type: 'list' }],
  },
  async run(ctx, a) {
    const [network, container] = a.args;
    const ip = a.string('ip');
    const client = await ctx.client();
    await client.call('POST', `/networks/${encodeURIComponent(network)}/connect`, {
      body: { Container: container, EndpointConfig: { ...(ip ? { IPAMConfig: { IPv4Address: ip } } : {}), Aliases: a.list('alias') } },
    }).then((r) => r.resume());
  },
};

export const networkDisconnect: Command = {
  spec: { name: 'network disconnect', usage: '[OPTIONS] NETWORK CONTAINER', description: 'Disconnect a container from a network', minArgs: 2, maxArgs: 2, flags: [{ name: 'force', short: 'f', type: 'bool' }] },
  async run(ctx, a) {
    const [network, container] = a.args;
    const client = await ctx.client();
    await client.call('POST', `/networks/${encodeURIComponent(network)}/disconnect`, { body: { Container: container, Force: a.bool('force') } }).then((r) => r.resume());
  },
};
