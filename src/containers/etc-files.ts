import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../common/atomic-file.js';

// These files are written anew at every start, so a rename without fsync is enough: a daemon
// crash cannot tear them, and the hot path of `docker run` avoids three fsyncs.
const quick = { sync: false };
import type { DockerJson } from './container-service.js';

export interface EtcFiles {
  hostnamePath: string;
  hostsPath: string;
  resolvConfPath: string;
}

export function etcFilePaths(containerDir: string): EtcFiles {
  return {
    hostnamePath: join(containerDir, 'hostname'),
    hostsPath: join(containerDir, 'hosts'),
    resolvConfPath: join(containerDir, 'resolv.conf'),
  };
}

/** The host's resolv.conf without loopback nameservers, which mean nothing inside another netns (as dockerd filters them). */
async function hostResolvConf(): Promise<string> {
  let text = '';
  try {
    text = await readFile('/etc/resolv.conf', 'utf8');
  } catch {
    return '';
  }
  return text
    .split('\n')
    .filter((l) => !/^\s*nameserver\s+(127\.|::1\b)/.test(l))
    .join('\n');
}

/** Writes the files bind-mounted over /etc/hostname, /etc/hosts and /etc/resolv.conf. */
export async function writeEtcFiles(dir: string, cfg: DockerJson, hc: DockerJson, net: { hostsEntries?: string[]; resolvConf?: string } = {}): Promise<EtcFiles> {
  const p = etcFilePaths(dir);
  const hostname: string = cfg.Hostname;
  await writeFileAtomic(p.hostnamePath, `${hostname}\n`, 0o644, quick);
  const lines = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
  ];
  if (net.hostsEntries) {
    lines.push(...net.hostsEntries);
  } else {
    for (const h of hc.ExtraHosts ?? []) {
      const i = h.lastIndexOf(':');
      if (i > 0) lines.push(`${h.slice(i + 1)}\t${h.slice(0, i)}`);
    }
  }
  await writeFileAtomic(p.hostsPath, lines.join('\n') + '\n', 0o644, quick);
  if (net.resolvConf !== undefined) {
    await writeFileAtomic(p.resolvConfPath, net.resolvConf, 0o644, quick);
    return p;
  }
  let resolv = await hostResolvConf();
  if (hc.Dns?.length || hc.DnsSearch?.length || hc.DnsOptions?.length) {
    const keep = resolv.split('\n').filter((l) => {
      if (hc.Dns?.length && /^\s*nameserver\b/.test(l)) return false;
      if (hc.DnsSearch?.length && /^\s*(search|domain)\b/.test(l)) return false;
      if (hc.DnsOptions?.length && /^\s*options\b/.test(l)) return false;
      return true;
    });
    for (const ns of hc.Dns ?? []) keep.push(`nameserver ${ns}`);
    if (hc.DnsSearch?.length) keep.push(`search ${hc.DnsSearch.join(' ')}`);
    if (hc.DnsOptions?.length) keep.push(`options ${hc.DnsOptions.join(' ')}`);
    resolv = keep.join('\n');
  }
  await writeFileAtomic(p.resolvConfPath, resolv.trim() ? resolv.trim() + '\n' : '', 0o644, quick);
  return p;
}

/**
 * After `network connect`/`disconnect` of a running container: its /etc/hosts lists the
 * container's hostname at exactly `ips` (new addresses appended, gone ones dropped), as
 * dockerd keeps it. Written in place: the container sees the file through a bind mount of
 * this inode, which a rename would leave behind.
 */
export async function syncHostsAddresses(hostsPath: string, hostname: string, ips: string[]): Promise<void> {
  const text = await readFile(hostsPath, 'utf8').catch(() => '');
  const lines = text.split('\n').filter((l) => l !== '');
  const own = (l: string) => {
    const [ip, ...names] = l.split(/\s+/);
    return names.length === 1 && names[0] === hostname ? ip : undefined;
  };
  const kept = lines.filter((l) => {
    const ip = own(l);
    return ip === undefined || ips.includes(ip);
  });
  const have = new Set(kept.map(own).filter((ip) => ip !== undefined));
  for (const ip of ips) if (!have.has(ip)) kept.push(`${ip}\t${hostname}`);
  const next = kept.join('\n') + '\n';
  if (next !== text) await writeFile(hostsPath, next, { mode: 0o644 });
}
