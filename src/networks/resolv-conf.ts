import { readFile } from 'node:fs/promises';

/** dockerd's fallback when the host has no usable nameserver. */
const FALLBACK_NAMESERVERS = ['8.8.8.8', '8.8.4.4'];

export interface ResolvConf {
  nameservers: string[];
  search: string[];
  options: string[];
}

export function parseResolvConf(text: string): ResolvConf {
  const out: ResolvConf = { nameservers: [], search: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0]) out.nameservers.push(rest[0]);
    else if (key === 'search' || key === 'domain') out.search = rest;
    else if (key === 'options') out.options.push(...rest);
  }
  return out;
}

export async function readResolvConf(path: string): Promise<ResolvConf> {
  try {
    return parseResolvConf(await readFile(path, 'utf8'));
  } catch {
    return { nameservers: [], search: [], options: [] };
  }
}

function isLoopback(ns: string): boolean {
  return ns.startsWith('127.') || ns === '::1';
}

function render(ns: string[], search: string[], options: string[]): string {
  return [...ns.map((n) => `nameserver ${n}`), ...(search.length ? [`search ${search.join(' ')}`] : []), ...(options.length ? [`options ${options.join(' ')}`] : [])].join('\n') + '\n';
}

interface DnsOverrides {
  dns?: string[] | null;
  dnsSearch?: string[] | null;
  dnsOptions?: string[] | null;
}

/** The default bridge and `none`: the host's file without loopback resolvers (meaningless in another namespace). */
export async function hostResolvConf(path: string, o: DnsOverrides): Promise<string> {
  const host = await readResolvConf(path);
  let ns = o.dns?.length ? o.dns : host.nameservers.filter((n) => !isLoopback(n));
  if (ns.length === 0) ns = FALLBACK_NAMESERVERS;
  return render(ns, o.dnsSearch?.length ? o.dnsSearch : host.search, o.dnsOptions?.length ? o.dnsOptions : host.options);
}

/** User networks: the embedded DNS server only (127.0.0.11, as dockerd); it forwards what it does not know. */
export async function containerResolvConf(path: string, o: DnsOverrides, dnsAddress: string): Promise<string> {
  const host = await readResolvConf(path);
  return render([dnsAddress], o.dnsSearch?.length ? o.dnsSearch : host.search, o.dnsOptions?.length ? o.dnsOptions : ['ndots:0']);
}
