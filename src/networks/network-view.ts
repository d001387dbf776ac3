import { invalidParameter } from '../common/errors.js';
import { parseCidr, size } from './cidr.js';
import type { EndpointRecord, AttachmentRecord, NetworkRecord } from './types.js';

export const PREDEFINED = new Set(['bridge', 'host', 'none']);

/** Docker's network JSON (`GET /networks/{id}`); the list leaves Containers empty, as dockerd does. */
export function networkJson(n: NetworkRecord, endpoints: Array<{ attachment: AttachmentRecord; endpoint: EndpointRecord }>): Record<string, any> {
  const containers: Record<string, any> = {};
  const prefix = n.subnet ? parseCidr(n.subnet).prefix : 0;
  for (const { attachment, endpoint } of endpoints) {
    containers[attachment.containerId] = {
      Name: attachment.name,
      EndpointID: endpoint.endpointId,
      MacAddress: endpoint.mac,
      IPv4Address: `${endpoint.ip}/${prefix}`,
      IPv6Address: '',
    };
  }
  const config = n.driver === 'bridge' ? [{ Subnet: n.subnet, Gateway: n.gateway, ...(n.ipRange ? { IPRange: n.ipRange } : {}) }] : [];
  return {
    Name: n.name,
    Id: n.id,
    Created: n.created,
    Scope: 'local',
    Driver: n.driver,
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: n.ipamOptions ?? null, Config: config },
    Internal: n.internal,
    Attachable: n.attachable,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: containers,
    Options: n.options,
    Labels: n.labels,
  };
}

const LIST_FILTERS = new Set(['driver', 'id', 'label', 'name', 'scope', 'type', 'dangling']);
const PRUNE_FILTERS = new Set(['until', 'label', 'label!']);

function labelMatches(labels: Record<string, string>, expr: string): boolean {
  const eq = expr.indexOf('=');
  if (eq < 0) return expr in labels;
  return labels[expr.slice(0, eq)] === expr.slice(eq + 1);
}

/** dockerd's network list filters; an unknown filter is a 400 "Invalid filter 'x'". */
export function matchesListFilters(n: NetworkRecord, inUse: boolean, filters: Record<string, string[]>): boolean {
  for (const key of Object.keys(filters)) if (!LIST_FILTERS.has(key)) throw invalidParameter(`Invalid filter '${key}'`);
  const any = (key: string, test: (v: string) => boolean) => !filters[key]?.length || filters[key]!.some(test);
  const builtin = PREDEFINED.has(n.name) && (n.isDefault || n.driver !== 'bridge');
  for (const v of filters.type ?? []) if (v !== 'custom' && v !== 'builtin') throw invalidParameter(`invalid filter: 'type'='${v}'`);
  return (
    any('driver', (v) => n.driver === v) &&
    any('id', (v) => n.id.startsWith(v)) &&
    any('name', (v) => n.name.includes(v)) &&
    any('scope', (v) => v === 'local') &&
    any('type', (v) => (v === 'builtin') === builtin) &&
    any('dangling', (v) => (v === 'true' || v === '1') === !inUse) &&
    (filters.label ?? []).every((v) => labelMatches(n.labels, v))
  );
}

/** Prune filters: `until` (timestamp or duration) and `label`/`label!`. */
export function matchesPruneFilters(n: NetworkRecord, filters: Record<string, string[]>, now = Date.now()): boolean {
  for (const key of Object.keys(filters)) if (!PRUNE_FILTERS.has(key)) throw invalidParameter(`Invalid filter '${key}'`);
  for (const u of filters.until ?? []) {
    const cutoff = untilCutoff(u, now);
    if (Date.parse(n.created) >= cutoff) return false;
  }
  if (!(filters.label ?? []).every((v) => labelMatches(n.labels, v))) return false;
  if ((filters['label!'] ?? []).some((v) => labelMatches(n.labels, v))) return false;
  return true;
}

function untilCutoff(v: string, now: number): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const d = /^(\d+)(s|m|h)$/.exec(v);
  if (d) return now - Number(d[1]) * { s: 1000, m: 60000, h: 3600000 }[d[2] as 's' | 'm' | 'h'];
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw invalidParameter(`invalid filter 'until=${v}'`);
  return t;
}

/** How many host addresses a subnet has for containers (network, broadcast excluded). */
export function hostCapacity(subnet: string): number {
  return size(parseCidr(subnet)) - 2;
}
