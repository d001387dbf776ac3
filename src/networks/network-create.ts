import { randomBytes } from 'node:crypto';
import { conflict, forbidden, invalidParameter, notFound } from '../common/errors.js';
import { contains, formatCidr, formatIp, overlaps, parseCidr, parseIp, type Subnet } from './cidr.js';
import type { NetworkRecord } from './types.js';

/** Body of `POST /networks/create`, as the docker CLI and Compose send it. */
export interface NetworkCreateBody {
  Name?: string;
  CheckDuplicate?: boolean;
  Driver?: string;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  EnableIPv6?: boolean;
  IPAM?: { Driver?: string; Config?: Array<{ Subnet?: string; IPRange?: string; Gateway?: string; AuxiliaryAddresses?: Record<string, string> }> | null; Options?: Record<string, string> | null } | null;
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

export const BRIDGE_NAME_OPTION = 'com.docker.network.bridge.name';
const KNOWN_OPTIONS = new Set([
  BRIDGE_NAME_OPTION,
  'com.docker.network.bridge.enable_ip_masquerade',
  'com.docker.network.bridge.enable_icc',
  'com.docker.network.bridge.host_binding_ipv4',
  'com.docker.network.driver.mtu',
  'com.docker.network.bridge.default_bridge',
]);

export interface CreateContext {
  existing: NetworkRecord[];
  /** Where subnets come from when the client names none (each a /16 or /24 pool to carve /24s from). */
  pools: string[];
  /** Subnets the host already routes (other bridges, VPNs...): automatic subnets avoid them, as dockerd's. */
  hostRoutes?: string[];
  ipMasq: boolean;
}

/** Validates a create request and builds the record, with dockerd's errors for each refusal. */
export function buildNetworkRecord(body: NetworkCreateBody, ctx: CreateContext): NetworkRecord {
  const name = (body.Name ?? '').trim();
  if (!name) throw invalidParameter('network name must be specified'); // dockerd: 400
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) throw invalidParameter(`invalid network name: ${name}`);
  const driver = body.Driver || 'bridge';
  if (driver === 'host' || driver === 'null') throw forbidden(`only one instance of "${driver}" network is allowed`);
  if (driver !== 'bridge') throw notFound(`plugin "${driver}" not found`);
  if (ctx.existing.some((n) => n.name === name)) throw conflict(`network with name ${name} already exists`);
  if (body.EnableIPv6) throw invalidParameter('IPv6 networks are not supported by this daemon');
  if (body.IPAM?.Driver && body.IPAM.Driver !== 'default') throw notFound(`plugin "${body.IPAM.Driver}" not found`);
  const options = { ...(body.Options ?? {}) };
  for (const k of Object.keys(options)) if (!KNOWN_OPTIONS.has(k)) throw invalidParameter(`unknown bridge option ${k}`);
  const bridgeName = options[BRIDGE_NAME_OPTION];
  if (bridgeName !== undefined && !/^[a-zA-Z0-9_.-]{1,15}$/.test(bridgeName)) throw invalidParameter(`invalid bridge name: ${bridgeName}`);
  if (bridgeName && ctx.existing.some((n) => n.bridge === bridgeName)) throw forbidden(`bridge name ${bridgeName} is already in use`);
  const configs = body.IPAM?.Config ?? [];
  if (configs.length > 1) throw invalidParameter('only one IPv4 pool is supported per network');
  const cfg = configs[0] ?? {};
  const taken = ctx.existing.filter((n) => n.subnet).map((n) => parseCidr(n.subnet!));
  let subnet;
  if (cfg.Subnet) {
    subnet = parseCidr(cfg.Subnet);
    if (taken.some((t) => overlaps(t, subnet!))) throw forbidden('Pool overlaps with other one on this address space');
  } else {
    if (cfg.Gateway || cfg.IPRange) throw invalidParameter('ip-range and gateway need a subnet');
    const routed = (ctx.hostRoutes ?? []).flatMap((r) => {
      try {
        return [parseCidr(r)];
      } catch {
        return [];
      }
    });
    subnet = pickSubnet(ctx.pools, [...taken, ...routed]);
  }
  let ipRange: string | undefined;
  if (cfg.IPRange) {
    const r = parseCidr(cfg.IPRange, 'ip-range');
    if (!contains(subnet, r.base) || r.prefix < subnet.prefix) throw invalidParameter(`ip-range ${cfg.IPRange} is not inside subnet ${formatCidr(subnet)}`);
    ipRange = formatCidr(r);
  }
  const gateway = cfg.Gateway ? cfg.Gateway : formatIp(subnet.base + 1);
  if (!contains(subnet, parseIp(gateway))) throw invalidParameter(`no matching subnet for gateway ${gateway}`);
  const id = randomBytes(32).toString('hex');
  const ipamConfig: Record<string, string> = { Subnet: formatCidr(subnet), Gateway: gateway };
  if (ipRange) ipamConfig.IPRange = ipRange;
  return {
    id,
    name,
    driver: 'bridge',
    created: new Date().toISOString(),
    internal: !!body.Internal,
    attachable: !!body.Attachable,
    labels: { ...(body.Labels ?? {}) },
    options,
    bridge: bridgeName || `wh-${id.slice(0, 12)}`,
    subnet: formatCidr(subnet),
    gateway,
    ipRange,
    ipamConfig: [ipamConfig],
    ipamOptions: { ...(body.IPAM?.Options ?? {}) },
    ipMasq: ctx.ipMasq && options['com.docker.network.bridge.enable_ip_masquerade'] !== 'false',
  };
}

/** A pool as dockerd's --default-address-pool spells it ("base=10.50.0.0/16,size=24") or a bare CIDR (size 24). */
export function parsePool(spec: string): { base: Subnet; size: number } {
  let cidr = spec.trim();
  let size = 24;
  if (cidr.includes('=')) {
    const fields = Object.fromEntries(cidr.split(',').map((kv) => kv.split('=').map((x) => x.trim()) as [string, string]));
    if (!fields.base) throw invalidParameter(`invalid default address pool ${spec}: base is required`);
    cidr = fields.base;
    if (fields.size !== undefined) size = Number(fields.size);
  }
  const base = parseCidr(cidr);
  if (!Number.isInteger(size) || size < base.prefix || size > 30) throw invalidParameter(`invalid default address pool ${spec}: size must be between the base prefix and 30`);
  return { base, size };
}

/** The first pool-sized block of the pools that overlaps no existing network or routed subnet. */
function pickSubnet(pools: string[], taken: Subnet[]): Subnet {
  for (const p of pools) {
    const { base, size } = parsePool(p);
    const step = 2 ** (32 - size);
    const count = 2 ** (size - base.prefix);
    for (let i = 0; i < count; i++) {
      const candidate = { base: (base.base + i * step) >>> 0, prefix: size };
      if (!taken.some((t) => overlaps(t, candidate))) return candidate;
    }
  }
  throw forbidden('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
}
