import { randomBytes, createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { conflict, forbidden, invalidParameter, notFound, unavailable } from '../common/errors.js';
import { KeyedMutex } from '../common/keyed-mutex.js';
import { buildNetworkRecord, type NetworkCreateBody } from './network-create.js';
import { installNetworkRules, removeNetworkRules } from './firewall.js';
import { dropBaseChainsIfUnused, ensureBaseChains, setSysctl } from './iptables.js';
import { bridgeUse, deleteLink, ensureBridge, routedSubnets } from './links.js';
import { NetworkStore } from './network-store.js';
import { matchesListFilters, matchesPruneFilters, networkJson, PREDEFINED } from './network-view.js';
import { formatCidr, formatIp, parseBridgeIp, parseCidr } from './cidr.js';
import type { NetworkRecord } from './types.js';

export interface NetworkServiceOptions {
  /** State goes to <dataRoot>/network/. */
  dataRoot: string;
  /** Namespace files go to <execRoot>/netns/. */
  execRoot: string;
  /**
   * The default `bridge` network's Linux bridge and subnet (not Docker's docker0/172.17.0.0/16).
   * The subnet may be given as dockerd's --bip ("10.47.0.1/16": the bridge address and prefix).
   */
  defaultBridge?: string;
  defaultSubnet?: string;
  /** Pools for user networks created without --subnet: CIDRs (/24s carved) or "base=CIDR,size=N". */
  pools?: string[];
  /** dockerd's --ip-masq: masquerade traffic leaving the host from non-internal networks. */
  ipMasq?: boolean;
  /** Serve the embedded DNS on user-defined networks (default true). */
  dns?: boolean;
  /** Where unknown names are forwarded; default: the host's /etc/resolv.conf nameservers. */
  resolvConfPath?: string;
}

export const DEFAULT_BRIDGE = 'wharf0';
export const DEFAULT_SUBNET = '10.47.0.0/16';
export const DEFAULT_POOLS = ['10.48.0.0/12'];

/**
 * Networks: the predefined `bridge` (Wharf's default bridge), `host` and `none`, and
 * user-defined bridge networks. All mutations run one at a time (one mutex), which keeps
 * address and port allocation trivially consistent.
 */
export class NetworkRegistry {
  readonly mutex = new KeyedMutex();
  /** Names this daemon's kernel objects apart from another daemon's on the same host. */
  readonly instance: string;
  protected constructor(readonly store: NetworkStore, readonly opts: Required<Omit<NetworkServiceOptions, 'resolvConfPath'>> & { resolvConfPath: string }) {
    this.instance = createHash('sha256').update(resolve(opts.dataRoot)).digest('hex').slice(0, 8);
  }

  get netnsDir(): string {
    return join(this.opts.execRoot, 'netns');
  }

  static resolveOptions(o: NetworkServiceOptions) {
    return {
      dataRoot: o.dataRoot,
      execRoot: o.execRoot,
      defaultBridge: o.defaultBridge ?? DEFAULT_BRIDGE,
      defaultSubnet: o.defaultSubnet ?? DEFAULT_SUBNET,
      pools: o.pools ?? DEFAULT_POOLS,
      ipMasq: o.ipMasq ?? true,
      dns: o.dns ?? true,
      resolvConfPath: o.resolvConfPath ?? '/etc/resolv.conf',
    };
  }

  /** Makes the predefined networks exist and every bridge network's bridge and rules present. */
  protected async restoreNetworks(): Promise<void> {
    await ensureBaseChains();
    // Containers on a bridge reach each other and published ports through routing.
    await setSysctl('net/ipv4/ip_forward', '1');
    const byName = (name: string) => [...this.store.networks.values()].find((n) => n.name === name);
    const now = new Date().toISOString();
    const base = { created: now, internal: false, attachable: false, labels: {}, ipamConfig: [], ipamOptions: {}, ipMasq: false };
    if (!byName('host')) await this.store.putNetwork({ ...base, id: newNetworkId(), name: 'host', driver: 'host', options: {} });
    if (!byName('none')) await this.store.putNetwork({ ...base, id: newNetworkId(), name: 'none', driver: 'null', options: {} });
    const bip = parseBridgeIp(this.opts.defaultSubnet);
    const defaultSubnet = formatCidr(bip.subnet);
    const gateway = formatIp(bip.gateway);
    const existing = byName('bridge');
    const wanted: NetworkRecord = {
      ...base,
      id: existing?.id ?? newNetworkId(),
      created: existing?.created ?? now,
      name: 'bridge',
      driver: 'bridge',
      isDefault: true,
      bridge: this.opts.defaultBridge,
      subnet: defaultSubnet,
      gateway,
      ipamConfig: [{ Subnet: defaultSubnet, Gateway: gateway }],
      ipMasq: this.opts.ipMasq,
      options: {
        'com.docker.network.bridge.default_bridge': 'true',
        'com.docker.network.bridge.enable_icc': 'true',
        'com.docker.network.bridge.enable_ip_masquerade': String(this.opts.ipMasq),
        'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
        'com.docker.network.bridge.name': this.opts.defaultBridge,
        'com.docker.network.driver.mtu': '1500',
      },
    };
    if (existing && existing.bridge !== wanted.bridge) {
      await removeNetworkRules(this.instance, existing.id);
      await deleteLink(existing.bridge!);
    }
    if (JSON.stringify(existing) !== JSON.stringify(wanted)) await this.store.putNetwork(wanted);
    for (const n of this.store.networks.values()) {
      if (n.driver !== 'bridge') continue;
      // User networks keep their own masquerade setting; the daemon flag turns it off for all.
      const effective = { ...n, ipMasq: n.ipMasq && this.opts.ipMasq };
      await this.setUpBridge(effective);
    }
  }

  protected async setUpBridge(n: NetworkRecord): Promise<void> {
    // Two daemons on one bridge would hand out the same addresses: refuse a bridge another
    // Wharf daemon is using (one with containers on it); an idle leftover is taken over.
    const use = await bridgeUse(n.bridge!);
    if (use?.alias?.startsWith('wharf:') && !use.alias.startsWith(`wharf:${this.instance}:`) && use.ports > 0) {
      throw unavailable(`bridge ${n.bridge} is in use by another Wharf daemon; give each daemon its own bridge and subnet (-b/--bridge, --bip)`);
    }
    const prefix = parseCidr(n.subnet!).prefix;
    const mtu = n.options['com.docker.network.driver.mtu'];
    await ensureBridge(n.bridge!, `${n.gateway}/${prefix}`, `wharf:${this.instance}:n:${n.id}`, mtu && !n.isDefault ? Number(mtu) : undefined);
    await installNetworkRules(this.instance, n);
  }

  /** Full ID, exact name, then a unique ID prefix, as dockerd resolves network references. */
  resolve(ref: string): NetworkRecord {
    const all = [...this.store.networks.values()];
    const exact = all.find((n) => n.id === ref) ?? all.find((n) => n.name === ref);
    if (exact) return exact;
    const prefixed = ref.length > 0 ? all.filter((n) => n.id.startsWith(ref)) : [];
    if (prefixed.length === 1) return prefixed[0]!;
    if (prefixed.length > 1) throw invalidParameter(`network ${ref} is ambiguous (${prefixed.length} matches found based on ID prefix)`);
    throw notFound(`network ${ref} not found`);
  }

  private inUse(id: string): boolean {
    return this.store.endpointsOn(id).length > 0;
  }

  async list(filters: Record<string, string[]> = {}): Promise<Record<string, any>[]> {
    return [...this.store.networks.values()]
      .filter((n) => matchesListFilters(n, this.inUse(n.id), filters))
      .map((n) => ({ ...networkJson(n, []), Containers: {} }));
  }

  async inspect(ref: string): Promise<Record<string, any>> {
    const n = this.resolve(ref);
    return networkJson(n, this.store.endpointsOn(n.id));
  }

  async create(body: NetworkCreateBody): Promise<{ Id: string; Warning: string }> {
    return this.mutex.run('net', async () => {
      if (body.Name && PREDEFINED.has(body.Name)) throw forbidden(`operation is not permitted on predefined ${body.Name} network `.trim());
      const hostRoutes = body.IPAM?.Config?.[0]?.Subnet ? [] : await routedSubnets();
      const n = buildNetworkRecord(body, { existing: [...this.store.networks.values()], pools: this.opts.pools, hostRoutes, ipMasq: this.opts.ipMasq });
      // Persist first: if the daemon dies while the bridge is made, restore finishes it or
      // `network rm` removes it; a bridge without a record would be invisible to both.
      await this.store.putNetwork(n);
      try {
        await this.setUpBridge(n);
        await this.networkAdded(n);
      } catch (err) {
        await this.tearDownNetwork(n).catch(() => {});
        throw err;
      }
      return { Id: n.id, Warning: '' };
    });
  }

  async remove(ref: string): Promise<void> {
    return this.mutex.run('net', async () => {
      const n = this.resolve(ref);
      if (PREDEFINED.has(n.name) && (n.isDefault || n.driver !== 'bridge')) throw forbidden(`${n.name} is a pre-defined network and cannot be removed`);
      if (this.inUse(n.id)) throw forbidden(`error while removing network: network ${n.name} id ${n.id} has active endpoints`);
      await this.tearDownNetwork(n);
    });
  }

  async prune(filters: Record<string, string[]> = {}): Promise<{ NetworksDeleted: string[] | null }> {
    return this.mutex.run('net', async () => {
      const deleted: string[] = [];
      for (const n of [...this.store.networks.values()]) {
        if (n.isDefault || n.driver !== 'bridge' || this.inUse(n.id)) continue;
        if (!matchesPruneFilters(n, filters)) continue;
        await this.tearDownNetwork(n);
        deleted.push(n.name);
      }
      return { NetworksDeleted: deleted.length ? deleted : null };
    });
  }

  /** Rules, bridge, then the record last: a crash midway leaves a record that `rm` can retry. */
  protected async tearDownNetwork(n: NetworkRecord): Promise<void> {
    await this.networkRemoved(n);
    await removeNetworkRules(this.instance, n.id);
    if (n.bridge) await deleteLink(n.bridge);
    await this.store.deleteNetwork(n.id);
  }

  /** Removes every network of this daemon, predefined ones included, from the kernel and disk (uninstall; tests). */
  async removeAll(): Promise<void> {
    return this.mutex.run('net', async () => {
      for (const n of [...this.store.networks.values()]) await this.tearDownNetwork(n);
      await dropBaseChainsIfUnused();
    });
  }

  /** Hooks for the DNS layer. */
  protected async networkAdded(_n: NetworkRecord): Promise<void> {}
  protected async networkRemoved(_n: NetworkRecord): Promise<void> {}

  /** Conflict guard used by connect: a container is on a network at most once. */
  protected assertNotConnected(containerId: string, n: NetworkRecord): void {
    const a = this.store.attachments.get(containerId);
    if (a?.endpoints.some((e) => e.networkId === n.id)) throw forbidden(`endpoint with name ${a.name} already exists in network ${n.name}`);
  }
}

export function newNetworkId(): string {
  return randomBytes(32).toString('hex');
}

/** Host-side veth names: stable per (container, network), so a crashed attach can be undone by name. */
export function hostVethName(containerId: string, networkId: string): string {
  return `whv${createHash('sha256').update(`${containerId}/${networkId}`).digest('hex').slice(0, 11)}`;
}

export { conflict };
