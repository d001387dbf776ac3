import { mkdir, open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { mustRun, runTool } from './run-command.js';

/**
 * Kernel links and namespaces through iproute2 (netlink) and util-linux. Every link Wharf
 * makes carries an alias `wharf:<owner>`, so reconciliation finds leftovers by listing links.
 */

export interface LinkInfo {
  ifname: string;
  alias?: string;
}

export async function listLinks(): Promise<LinkInfo[]> {
  const out = await mustRun('ip', ['-j', '-d', 'link', 'show']);
  return (JSON.parse(out) as Array<{ ifname: string; ifalias?: string }>).map((l) => ({ ifname: l.ifname, alias: l.ifalias }));
}

export async function linkExists(name: string): Promise<boolean> {
  return (await runTool('ip', ['link', 'show', 'dev', name])).code === 0;
}

/** Creates (or finds) a bridge with its gateway address, up. */
export async function ensureBridge(name: string, gatewayCidr: string, alias: string, mtu?: number): Promise<void> {
  if (!(await linkExists(name))) {
    const r = await runTool('ip', ['link', 'add', name, 'type', 'bridge']);
    if (r.code !== 0 && !(await linkExists(name))) throw new Error(`ip link add ${name}: ${r.stderr.trim()}`);
  }
  const batch = [`link set dev ${name} alias ${alias}`, ...(mtu ? [`link set dev ${name} mtu ${mtu}`] : []), `addr replace ${gatewayCidr} dev ${name}`, `link set dev ${name} up`];
  await mustRun('ip', ['-batch', '-'], batch.join('\n') + '\n');
}

export async function deleteLink(name: string): Promise<void> {
  await runTool('ip', ['link', 'del', 'dev', name]);
}

/** A new network namespace kept alive by a bind mount on `path` (no process needed). */
export async function createNetns(path: string): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await (await open(path, 'a')).close();
  const r = await runTool('unshare', [`--net=${path}`, 'true']);
  if (r.code !== 0) {
    await rm(path, { force: true });
    throw new Error(`unshare --net=${path}: ${r.stderr.trim()}`);
  }
}

/** Unmounts and deletes a namespace file; idempotent. */
export async function removeNetns(path: string): Promise<void> {
  await runTool('umount', ['-l', path]);
  await rm(path, { force: true });
}

export async function listNetnsFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((f) => !f.startsWith('.'));
  } catch {
    return [];
  }
}

/** Runs an iproute2 batch inside a namespace file. */
export async function ipBatchIn(netnsPath: string, commands: string[]): Promise<void> {
  await mustRun('nsenter', [`--net=${netnsPath}`, 'ip', '-batch', '-'], commands.join('\n') + '\n');
}

export async function ipBatch(commands: string[]): Promise<void> {
  await mustRun('ip', ['-batch', '-'], commands.join('\n') + '\n');
}

/** Destinations of the host's IPv4 routes other than the default one, as CIDRs. */
export async function routedSubnets(): Promise<string[]> {
  const r = await runTool('ip', ['-j', '-4', 'route', 'show', 'table', 'main']);
  if (r.code !== 0) return [];
  return (JSON.parse(r.stdout) as Array<{ dst: string }>)
    .map((x) => x.dst)
    .filter((d) => d && d !== 'default')
    .map((d) => (d.includes('/') ? d : `${d}/32`));
}

/** A link's alias and how many ports are enslaved to it (undefined when there is no such link). */
export async function bridgeUse(name: string): Promise<{ alias?: string; ports: number } | undefined> {
  const r = await runTool('ip', ['-j', '-d', 'link', 'show', 'dev', name]);
  if (r.code !== 0) return undefined;
  const [link] = JSON.parse(r.stdout) as Array<{ ifalias?: string }>;
  const ports = await runTool('ip', ['-j', 'link', 'show', 'master', name]);
  return { alias: link?.ifalias, ports: ports.code === 0 ? (JSON.parse(ports.stdout || '[]') as unknown[]).length : 0 };
}
