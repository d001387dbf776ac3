import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { overlaps, parseCidr } from '../src/networks/cidr.js';
import { pingSocket, removeAllContainers } from '../test/support/daemons.js';
import { restoreNetfilter, snapshotNetfilter } from './netfilter-snapshot.js';

export interface BridgedDockerd {
  host: string;
  socket: string;
  pid: number;
  bridge: string;
  subnet: string;
  pool: string;
  /** Stops dockerd and removes its folders, bridges and iptables additions: how many rules and chains it removed, and anything still there. */
  stop(): Promise<{ removed: number; left: string[] }>;
  logs(): string;
}

function routedSubnets(): string[] {
  const out = spawnSync('ip', ['-j', '-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' }).stdout || '[]';
  return (JSON.parse(out) as Array<{ dst?: string }>).map((r) => r.dst ?? '').filter((d) => /^\d/.test(d)).map((d) => (d.includes('/') ? d : `${d}/32`));
}

/** A /24 for the bridge and a /20 pool for user networks, in 10.176.0.0/12 (clear of Docker's 172.17/16, Wharf's 10.47/16 and its test ranges 10.200/13, 10.208/13), not routed on this host now. */
function pickSubnets(): { subnet: string; pool: string } {
  const routed = routedSubnets().map((r) => parseCidr(r));
  for (let i = 0; i < 50; i++) {
    const subnet = `10.${176 + randomInt(8)}.${randomInt(256)}.0/24`;
    const pool = `10.${184 + randomInt(8)}.${16 * randomInt(16)}.0/20`;
    if (![subnet, pool].some((c) => routed.some((r) => overlaps(parseCidr(c), r)))) return { subnet, pool };
  }
  throw new Error('no free private subnet for the bench dockerd');
}

function linksNamed(pred: (name: string) => boolean): string[] {
  const out = spawnSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' }).stdout || '[]';
  return (JSON.parse(out) as Array<{ ifname: string }>).map((l) => l.ifname).filter(pred);
}

/**
 * Docker's reference daemon with its bridge networking on, on private paths: its default
 * bridge is one made here with a private /24 (dockerd's -b needs an existing bridge and
 * refuses --bip beside it), user networks come from a private /20 pool, and --ip-masq=false
 * keeps every container packet on this machine. --iptables=true lets it install its usual
 * chains, DNAT and isolation rules, which stop() removes again.
 */
export async function startBridgedDockerd(): Promise<BridgedDockerd> {
  const base = await mkdtemp(join(tmpdir(), 'dockerd-net-'));
  const socket = join(base, 'docker.sock');
  const { subnet, pool } = pickSubnets();
  const bridge = `dkb${randomBytes(4).toString('hex')}`;
  const gateway = subnet.replace(/0\/24$/, '1/24');
  const netfilterBefore = snapshotNetfilter();
  const linksBefore = new Set(linksNamed(() => true));
  const ip = (...args: string[]) => spawnSync('ip', args, { encoding: 'utf8' });
  ip('link', 'add', bridge, 'type', 'bridge');
  ip('addr', 'add', gateway, 'dev', bridge);
  ip('link', 'set', bridge, 'up');
  const ns = `wharf-netbench-${process.pid}`;
  const proc = spawn('/usr/sbin/dockerd', [
    '--data-root', join(base, 'data'), '--exec-root', join(base, 'exec'), '--host', `unix://${socket}`, '--pidfile', join(base, 'docker.pid'),
    '--bridge', bridge, '--default-address-pool', `base=${pool},size=24`, '--iptables=true', '--ip-masq=false', '--ip6tables=false',
    '--containerd-namespace', ns, '--containerd-plugins-namespace', `${ns}-p`,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (c) => (out = (out + c).slice(-20000)));
  proc.stderr.on('data', (c) => (out = (out + c).slice(-20000)));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));

  const stop = async (): Promise<{ removed: number; left: string[] }> => {
    if (proc.exitCode === null) await removeAllContainers(socket).catch(() => {});
    proc.kill('SIGTERM');
    const t = setTimeout(() => proc.kill('SIGKILL'), 20000);
    await exited;
    clearTimeout(t);
    // User networks' bridges (br-<id>) appeared while it ran; the default bridge is ours.
    const bridges = [bridge, ...linksNamed((n) => n.startsWith('br-') && !linksBefore.has(n))];
    for (const b of bridges) ip('link', 'del', 'dev', b);
    const { removed, left } = restoreNetfilter(netfilterBefore, [...bridges, subnet.replace(/\.0\/24$/, '.'), pool.split('.').slice(0, 2).join('.') + '.']);
    await rm(base, { recursive: true, force: true }).catch(() => {});
    return { removed, left: [...left, ...linksNamed((n) => bridges.includes(n))] };
  };

  const deadline = Date.now() + 30000;
  while (!(await pingSocket(socket))) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`dockerd did not come up:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { host: `unix://${socket}`, socket, pid: proc.pid!, bridge, subnet, pool, stop, logs: () => out };
}
