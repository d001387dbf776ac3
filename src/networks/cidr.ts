import { invalidParameter } from '../common/errors.js';

/** An IPv4 subnet: the network address as a 32-bit number and its prefix length. */
export interface Subnet {
  base: number;
  prefix: number;
}

export function parseIp(s: string): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s.trim());
  if (!m) throw invalidParameter(`invalid IP address: ${s}`);
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) throw invalidParameter(`invalid IP address: ${s}`);
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function isIp(s: string): boolean {
  try {
    parseIp(s);
    return true;
  } catch {
    return false;
  }
}

export function formatIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** "10.88.0.0/16" → Subnet. Host bits set ("10.88.0.1/16") are an error, as dockerd's. */
export function parseCidr(s: string, what = 'subnet'): Subnet {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(s.trim());
  if (!m || Number(m[2]) > 32) throw invalidParameter(`invalid CIDR address: ${s}`);
  const ip = parseIp(m[1]!);
  const prefix = Number(m[2]);
  const base = (ip & mask(prefix)) >>> 0;
  if (base !== ip) throw invalidParameter(`invalid ${what} ${s}: it should be ${formatIp(base)}/${prefix}`);
  return { base, prefix };
}

export function formatCidr(s: Subnet): string {
  return `${formatIp(s.base)}/${s.prefix}`;
}

export function size(s: Subnet): number {
  return 2 ** (32 - s.prefix);
}

export function contains(s: Subnet, ip: number): boolean {
  return ((ip & mask(s.prefix)) >>> 0) === s.base;
}

export function overlaps(a: Subnet, b: Subnet): boolean {
  return contains(a, b.base) || contains(b, a.base);
}

/** The broadcast address (last of the subnet). */
export function lastAddress(s: Subnet): number {
  return (s.base + size(s) - 1) >>> 0;
}

/**
 * dockerd's --bip: the bridge's own address with the prefix ("10.47.0.1/16"). A bare network
 * address ("10.47.0.0/16") means its first host as gateway.
 */
export function parseBridgeIp(s: string): { subnet: Subnet; gateway: number } {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(s.trim());
  if (!m || Number(m[2]) > 32) throw invalidParameter(`invalid CIDR address: ${s}`);
  const ip = parseIp(m[1]!);
  const prefix = Number(m[2]);
  const base = (ip & mask(prefix)) >>> 0;
  return { subnet: { base, prefix }, gateway: ip === base ? (base + 1) >>> 0 : ip };
}
