import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { internal, invalidParameter } from '../common/errors.js';
import { isIp } from './cidr.js';
import type { PortBindings, PortMapping } from './types.js';

/** One requested publication before a host port is chosen: hostPort [lo, hi], [0, 0] = any. */
export interface PortRequest {
  hostIp: string;
  hostPortLo: number;
  hostPortHi: number;
  containerPort: number;
  proto: 'tcp' | 'udp';
}

function parsePortKey(key: string): { port: number; proto: 'tcp' | 'udp' } {
  const m = /^(\d+)(?:\/(tcp|udp|sctp))?$/i.exec(key.trim());
  if (!m) throw invalidParameter(`invalid port specification: "${key}"`);
  const port = Number(m[1]);
  if (port < 1 || port > 65535) throw invalidParameter(`invalid port specification: "${key}"`);
  const proto = (m[2] ?? 'tcp').toLowerCase();
  if (proto === 'sctp') throw invalidParameter('sctp ports are not supported');
  return { port, proto: proto as 'tcp' | 'udp' };
}

function parseHostPort(s: string | undefined): [number, number] {
  if (s === undefined || s.trim() === '') return [0, 0];
  const m = /^(\d+)(?:-(\d+))?$/.exec(s.trim());
  const lo = Number(m?.[1]);
  const hi = Number(m?.[2] ?? m?.[1]);
  if (!m || lo > 65535 || hi > 65535 || hi < lo) throw invalidParameter(`invalid port specification: "${s}"`);
  return [lo, hi];
}

/**
 * HostConfig.PortBindings (+ `-P`: every exposed port on a random host port) as requests.
 * The docker CLI already splits `-p 8080-8081:80-81` into one key per container port; a host
 * range for one container port ("8000-8010") means any free port of it, as dockerd's.
 */
export function portRequests(bindings: PortBindings | null | undefined, publishAll: boolean, exposed: Record<string, unknown> | null | undefined): PortRequest[] {
  const out: PortRequest[] = [];
  const seen = new Set<string>();
  for (const [key, list] of Object.entries(bindings ?? {})) {
    const { port, proto } = parsePortKey(key);
    seen.add(`${port}/${proto}`);
    for (const b of list ?? [{}]) {
      const hostIp = (b.HostIp ?? '').trim();
      if (hostIp !== '' && !isIp(hostIp)) throw invalidParameter(`invalid IP address: ${hostIp}`);
      const [lo, hi] = parseHostPort(b.HostPort);
      out.push({ hostIp: hostIp || '0.0.0.0', hostPortLo: lo, hostPortHi: hi, containerPort: port, proto });
    }
  }
  if (publishAll) {
    for (const key of Object.keys(exposed ?? {})) {
      const { port, proto } = parsePortKey(key);
      if (seen.has(`${port}/${proto}`)) continue;
      out.push({ hostIp: '0.0.0.0', hostPortLo: 0, hostPortHi: 0, containerPort: port, proto });
    }
  }
  return out;
}

/** Whether two mappings would claim the same host socket (the wildcard address overlaps every address). */
function clash(a: { hostIp: string; hostPort: number; proto: string }, b: { hostIp: string; hostPort: number; proto: string }): boolean {
  return a.proto === b.proto && a.hostPort === b.hostPort && (a.hostIp === b.hostIp || a.hostIp === '0.0.0.0' || b.hostIp === '0.0.0.0');
}

/** Whether some other process on the host holds the port (Docker's userland proxy would fail to bind it). */
export function canBind(hostIp: string, port: number, proto: 'tcp' | 'udp'): Promise<boolean> {
  return new Promise((resolve) => {
    if (proto === 'udp') {
      const s = createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind(port, hostIp, () => s.close(() => resolve(true)));
      return;
    }
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: hostIp, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

async function ephemeralRange(): Promise<[number, number]> {
  try {
    const [lo, hi] = (await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')).trim().split(/\s+/).map(Number);
    if (lo && hi && hi >= lo) return [lo, hi];
  } catch {
    // fall through to the kernel's default range
  }
  return [32768, 60999];
}

/**
 * Chooses host ports for requests, avoiding ports Wharf already gave out (`taken`) and ports
 * other processes hold. A fixed port that is taken fails with dockerd's message.
 */
export async function allocatePorts(requests: PortRequest[], taken: PortMapping[]): Promise<PortMapping[]> {
  const out: PortMapping[] = [];
  const busy = (m: PortMapping) => [...taken, ...out].some((t) => clash(t, m));
  for (const r of requests) {
    let lo = r.hostPortLo;
    let hi = r.hostPortHi;
    const random = lo === 0;
    if (random) [lo, hi] = await ephemeralRange();
    const span = hi - lo + 1;
    const start = random ? Math.floor(Math.random() * span) : 0;
    let chosen: PortMapping | undefined;
    for (let i = 0; i < span && !chosen; i++) {
      const candidate: PortMapping = { hostIp: r.hostIp, hostPort: lo + ((start + i) % span), containerPort: r.containerPort, proto: r.proto };
      if (!busy(candidate) && (await canBind(candidate.hostIp, candidate.hostPort, candidate.proto))) chosen = candidate;
    }
    if (!chosen) {
      const shown = random ? '0' : r.hostPortLo === r.hostPortHi ? String(r.hostPortLo) : `${r.hostPortLo}-${r.hostPortHi}`;
      throw internal(`Bind for ${r.hostIp}:${shown} failed: port is already allocated`);
    }
    out.push(chosen);
  }
  return out;
}

/** Docker's NetworkSettings.Ports: every exposed or published port, null when not published. */
export function portsMap(exposed: string[], ports: PortMapping[]): Record<string, Array<{ HostIp: string; HostPort: string }> | null> {
  const map: Record<string, Array<{ HostIp: string; HostPort: string }> | null> = {};
  for (const key of exposed) map[key.includes('/') ? key : `${key}/tcp`] = null;
  for (const p of ports) {
    const key = `${p.containerPort}/${p.proto}`;
    (map[key] ??= []).push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
  }
  return map;
}
