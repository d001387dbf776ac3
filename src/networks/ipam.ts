import { forbidden, invalidParameter } from '../common/errors.js';
import { contains, formatIp, lastAddress, parseCidr, parseIp, size } from './cidr.js';
import type { NetworkRecord } from './types.js';

/**
 * Address management for one bridge network. Leases are not a separate table: an address is
 * in use while some persisted attachment record holds it, so a lease lives and dies with the
 * record that the crash-safe attach/detach sequence writes first and deletes last.
 */
export function allocateAddress(n: NetworkRecord, used: Set<string>, requested?: string): string {
  const subnet = parseCidr(n.subnet!);
  const range = n.ipRange ? parseCidr(n.ipRange) : subnet;
  const reserved = new Set([formatIp(subnet.base), formatIp(lastAddress(subnet)), n.gateway!]);
  if (requested) {
    const ip = parseIp(requested);
    if (!contains(subnet, ip)) throw invalidParameter(`no configured subnet or ip-range contain the IP address ${requested}`);
    if (reserved.has(requested) || used.has(requested)) throw forbidden('Address already in use');
    return requested;
  }
  // Lowest free address from the range, as dockerd's allocator hands them out on a fresh network.
  for (let i = 0; i < size(range); i++) {
    const ip = formatIp((range.base + i) >>> 0);
    if (!reserved.has(ip) && !used.has(ip)) return ip;
  }
  throw forbidden(`no available IPv4 addresses on this network's address pools: ${n.name} (${n.id})`);
}

/** dockerd's default MAC for a container address: 02:42 followed by the IPv4 bytes. */
export function macForIp(ip: string): string {
  const n = parseIp(ip);
  return ['02', '42', ...[n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}
