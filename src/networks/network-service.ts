import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { forbidden, invalidParameter } from '../common/errors.js';
import { shortId } from '../common/ids.js';
import { containerTag } from './firewall.js';
import { listTags, removeRules } from './iptables.js';
import { plumbAttachment, reinstallPortRules, unplumbAttachment } from './attachment-kernel.js';
import { allocateAddress, macForIp } from './ipam.js';
import { deleteLink, listLinks, listNetnsFiles } from './links.js';
import { containerAlias, createNetns, EMBEDDED_DNS_ADDRESS, plugEndpoint, redirectEmbeddedDns, removeNetns, unplugEndpoint } from './endpoint-plumbing.js';
import { NetworkRegistry, hostVethName, type NetworkServiceOptions } from './network-registry.js';
import { NetworkStore } from './network-store.js';
import { allocatePorts, portRequests } from './port-bindings.js';
import { networkSettings } from './settings-view.js';
import { hostResolvConf, containerResolvConf } from './resolv-conf.js';
import { DnsService } from './dns/dns-service.js';
import { NetworkNames } from './dns/network-names.js';
import type { AttachmentRecord, AttachOptions, AttachResult, EndpointRecord, EndpointSettings, NetworkRecord, PortMapping } from './types.js';

/**
 * The container side of networking: `attach` when a container starts, `detach` when it
 * stops, `reconcile` after a daemon restart. The attachment record is written before any
 * kernel object is made and deleted after the last is gone, and every kernel object's name
 * or tag is derived from the container ID, so a crash at any point is undone by detach.
 */
export class NetworkService extends NetworkRegistry {
  private readonly dns: DnsService;

  private constructor(store: NetworkStore, opts: ReturnType<typeof NetworkRegistry.resolveOptions>, dnsPort?: number) {
    super(store, opts);
    this.dns = new DnsService({ resolvConfPath: opts.resolvConfPath, names: new NetworkNames(store), port: dnsPort });
  }

  static async open(o: NetworkServiceOptions & { dnsPort?: number }): Promise<NetworkService> {
    const opts = NetworkRegistry.resolveOptions(o);
    const store = await NetworkStore.open(join(opts.dataRoot, 'network'));
    const svc = new NetworkService(store, opts, o.dnsPort);
    await svc.restoreNetworks();
    for (const n of store.networks.values()) await svc.networkAdded(n);
    // Published ports of containers that kept running: put their rules back in case the
    // host's firewall was reloaded meanwhile (a no-op change otherwise).
    for (const a of store.attachments.values()) if (a.ports.length) await reinstallPortRules(svc.instance, a);
    return svc;
  }

  async close(): Promise<void> {
    await this.dns.close();
  }

  protected override async networkAdded(n: NetworkRecord): Promise<void> {
    if (this.opts.dns && n.driver === 'bridge' && !n.isDefault) await this.dns.serve(n.id, n.gateway!);
  }

  protected override async networkRemoved(n: NetworkRecord): Promise<void> {
    await this.dns.stop(n.id);
  }

  /**
   * The networks a container joins, primary first: NetworkMode, then EndpointsConfig's other
   * keys, then networks connected while it was stopped, minus those disconnected meanwhile.
   */
  private targets(containerId: string, opts: AttachOptions): Array<{ net: NetworkRecord; cfg: EndpointSettings }> {
    const mode = !opts.networkMode || opts.networkMode === 'default' ? 'bridge' : opts.networkMode;
    const changes = this.store.connections.get(containerId);
    const out: Array<{ net: NetworkRecord; cfg: EndpointSettings }> = [];
    const cfgs = opts.endpointsConfig ?? {};
    const primary = this.resolve(mode);
    const add = (n: NetworkRecord, cfg: EndpointSettings) => {
      if (out.some((t) => t.net.id === n.id) || changes?.disconnected.includes(n.id)) return;
      if (n.driver !== 'bridge') throw invalidParameter('container cannot be disconnected from host network or connected to host network');
      out.push({ net: n, cfg: cfg ?? {} });
    };
    add(primary, cfgs[mode] ?? cfgs[primary.name] ?? cfgs[primary.id] ?? {});
    for (const [key, cfg] of Object.entries(cfgs)) add(this.resolve(key), cfg);
    for (const [id, cfg] of Object.entries(changes?.connected ?? {})) {
      const n = this.store.networks.get(id);
      if (n) add(n, cfg); // a network removed since is simply gone, as with dockerd
    }
    return out;
  }

  private newEndpoint(containerId: string, name: string, n: NetworkRecord, cfg: EndpointSettings, ifIndex: number, mac?: string): EndpointRecord {
    const used = new Set(this.store.endpointsOn(n.id).map((x) => x.endpoint.ip));
    const requested = cfg.IPAMConfig?.IPv4Address || undefined;
    if (requested && (n.isDefault || !n.ipamConfig[0]?.Subnet)) throw invalidParameter('user specified IP address is supported on user defined networks only');
    const ip = allocateAddress(n, used, requested);
    const configured = [...(cfg.Aliases ?? [])];
    // Docker answers on user networks for the container name, its aliases and its short ID.
    const aliases = n.isDefault ? [] : [...new Set([name, ...configured, shortId(containerId)])];
    return {
      networkId: n.id, endpointId: randomBytes(32).toString('hex'), ip, mac: cfg.MacAddress || mac || macForIp(ip),
      aliases, configuredAliases: n.isDefault ? [] : [...configured, shortId(containerId)],
      hostVeth: hostVethName(containerId, n.id), ifName: `eth${ifIndex}`, requestedIp: requested,
    };
  }

  /** Joins a container to its networks; resolves when its interfaces, routes and rules are all in place. */
  async attach(containerId: string, opts: AttachOptions): Promise<AttachResult> {
    const { result, ready } = await this.attachEarly(containerId, opts);
    await ready;
    return result;
  }

  /**
   * Like attach, but resolves as soon as the container's addresses and ports are allocated and
   * its namespace exists: enough to write its /etc files and create it in the runtime while the
   * kernel work (veths, routes, port rules, the DNS redirect) goes on. `ready` settles when that
   * work is done and must be awaited before the container's process runs; if it fails,
   * everything is undone and `ready` rejects. The work holds the service's lock until it ends,
   * so a detach or connect for the container waits for it.
   */
  async attachEarly(containerId: string, opts: AttachOptions): Promise<{ result: AttachResult; ready: Promise<void> }> {
    const mode = opts.networkMode || 'default';
    if (mode === 'host' || mode === 'none') {
      const result = { settings: networkSettings(undefined, this.store.networks, mode), hostsEntries: extraHosts(opts), resolvConf: mode === 'host' ? undefined : await hostResolvConf(this.opts.resolvConfPath, opts) };
      return { result, ready: Promise.resolve() };
    }
    if (mode.startsWith('container:')) {
      return { result: { netnsPath: opts.joinNetnsPath, settings: networkSettings(undefined, this.store.networks, mode), hostsEntries: extraHosts(opts) }, ready: Promise.resolve() };
    }
    let early!: (r: AttachResult) => void;
    const known = new Promise<AttachResult>((resolve) => (early = resolve));
    const ready = this.mutex.run('net', async () => {
      const existing = this.store.attachments.get(containerId);
      if (existing?.netnsPath && existsSync(existing.netnsPath)) return early(await this.result(existing, opts));
      if (existing) await this.teardown(existing);
      const rec = await this.prepare(containerId, opts);
      if (!rec) {
        return early({ settings: networkSettings(undefined, this.store.networks, 'none'), hostsEntries: extraHosts(opts), resolvConf: await hostResolvConf(this.opts.resolvConfPath, opts) });
      }
      try {
        early(await this.result(rec, opts));
        await plumbAttachment(this.instance, rec, this.store.networks, this.embeddedDnsNetwork(rec));
      } catch (err) {
        await this.teardown(rec).catch(() => {});
        throw err;
      }
    });
    // A failure before the result was known fails the call itself; a later one only `ready`.
    const result = await Promise.race([known, ready.then(() => known)]);
    return { result, ready };
  }

  /** Allocates addresses and ports, writes the attachment record, then creates the namespace (undone on failure). */
  private async prepare(containerId: string, opts: AttachOptions): Promise<AttachmentRecord | undefined> {
    const targets = this.targets(containerId, opts);
    if (targets.length === 0) return undefined;
    const endpoints = targets.map((t, i) => this.newEndpoint(containerId, opts.name, t.net, t.cfg, i, i === 0 ? opts.mac : undefined));
    const taken: PortMapping[] = [...this.store.attachments.values()].flatMap((a) => a.ports);
    const ports = await allocatePorts(portRequests(opts.portBindings, !!opts.publishAll, opts.exposedPorts), taken);
    const rec: AttachmentRecord = {
      containerId, name: opts.name, netnsPath: join(this.netnsDir, containerId), endpoints, ports, dns: opts.dns?.length ? [...opts.dns] : undefined,
      exposed: [...new Set([...Object.keys(opts.exposedPorts ?? {}), ...Object.keys(opts.portBindings ?? {})])],
    };
    await this.store.putAttachment(rec);
    try {
      await createNetns(rec.netnsPath!);
    } catch (err) {
      await this.teardown(rec).catch(() => {});
      throw err;
    }
    return rec;
  }

  /** The user network whose DNS listener serves this container, if any (the first one it joined). */
  private embeddedDnsNetwork(rec: AttachmentRecord): NetworkRecord | undefined {
    if (!this.opts.dns) return undefined;
    return rec.endpoints.map((e) => this.store.networks.get(e.networkId)).find((n) => n && !n.isDefault);
  }

  private async result(rec: AttachmentRecord, opts: AttachOptions): Promise<AttachResult> {
    const first = rec.endpoints[0]!;
    const embedded = this.embeddedDnsNetwork(rec) !== undefined;
    return {
      netnsPath: rec.netnsPath,
      settings: networkSettings(rec, this.store.networks, opts.networkMode),
      hostsEntries: [`${first.ip}\t${opts.hostname ?? shortId(rec.containerId)}`, ...extraHosts(opts)],
      resolvConf: embedded ? await containerResolvConf(this.opts.resolvConfPath, opts, EMBEDDED_DNS_ADDRESS) : await hostResolvConf(this.opts.resolvConfPath, opts),
    };
  }

  /**
   * NetworkSettings for inspect at any time: from the live record while the container runs;
   * otherwise the networks it would join, with IDs and aliases but no addresses (as dockerd
   * shows a stopped container).
   */
  settings(containerId: string, networkMode: string, endpointsConfig?: Record<string, EndpointSettings> | null): Record<string, any> {
    const mode = networkMode || 'default';
    const rec = this.store.attachments.get(containerId);
    if (rec || mode === 'host' || mode === 'none' || mode.startsWith('container:')) return networkSettings(rec, this.store.networks, mode);
    const out = networkSettings(undefined, this.store.networks, mode);
    let targets: ReturnType<NetworkService['targets']> = [];
    try {
      targets = this.targets(containerId, { name: '', networkMode: mode, endpointsConfig });
    } catch {
      // a network named in the config was removed: show what still exists
    }
    for (const { net, cfg } of targets) {
      out.Networks[net.name] = {
        IPAMConfig: cfg.IPAMConfig?.IPv4Address ? { IPv4Address: cfg.IPAMConfig.IPv4Address } : null, Links: null,
        Aliases: net.isDefault ? null : (cfg.Aliases ?? null), NetworkID: net.id, EndpointID: '', Gateway: '', IPAddress: '', IPPrefixLen: 0,
        IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, MacAddress: '', DriverOpts: null,
      };
    }
    return out;
  }

  /**
   * Undoes an attach. Without a record nothing was made in normal operation, so the sweep
   * for crash leftovers (which lists links and rules) runs only when asked.
   */
  async detach(containerId: string, opts: { sweep?: boolean } = {}): Promise<void> {
    if (!this.store.attachments.has(containerId) && !opts.sweep) return;
    return this.mutex.run('net', async () => {
      const rec = this.store.attachments.get(containerId);
      if (rec) await this.teardown(rec);
      else await this.sweep(containerId);
    });
  }

  private async teardown(rec: AttachmentRecord): Promise<void> {
    await unplumbAttachment(this.instance, rec);
    await this.store.deleteAttachment(rec.containerId);
  }

  /** Removes kernel leftovers of a container with no record (a crash between kernel work and the record). */
  private async sweep(containerId: string): Promise<void> {
    await removeRules(containerTag(this.instance, containerId));
    for (const l of await listLinks()) if (l.alias === containerAlias(this.instance, containerId)) await deleteLink(l.ifname);
    await removeNetns(join(this.netnsDir, containerId));
  }

  /**
   * `network connect`: a running container (one with an attachment) gets a new interface at
   * once; a stopped one is remembered and joins at its next start.
   */
  async connect(ref: string, containerId: string, cfg: EndpointSettings = {}): Promise<void> {
    return this.mutex.run('net', async () => {
      const n = this.resolve(ref);
      if (n.driver !== 'bridge') throw forbidden('container cannot be disconnected from host network or connected to host network');
      if (cfg.IPAMConfig?.IPv4Address && (n.isDefault || !n.ipamConfig[0]?.Subnet)) throw invalidParameter('user specified IP address is supported on user defined networks only');
      const rec = this.store.attachments.get(containerId);
      if (!rec?.netnsPath) {
        const c = this.store.connections.get(containerId) ?? { containerId, connected: {}, disconnected: [] };
        await this.store.putConnections({ containerId, connected: { ...c.connected, [n.id]: cfg }, disconnected: c.disconnected.filter((x) => x !== n.id) });
        return;
      }
      this.assertNotConnected(containerId, n);
      const used = new Set(rec.endpoints.map((e) => Number(e.ifName.slice(3))));
      let idx = 0;
      while (used.has(idx)) idx++;
      const e = this.newEndpoint(containerId, rec.name, n, cfg, idx);
      const next = { ...rec, endpoints: [...rec.endpoints, e] };
      await this.store.putAttachment(next);
      try {
        await plugEndpoint(this.instance, containerId, rec.netnsPath, n, e, false);
      } catch (err) {
        await unplugEndpoint(e);
        await this.store.putAttachment(rec);
        throw err;
      }
      await this.rememberChange(containerId, n.id, cfg);
      await this.refreshDnsRedirect(next);
    });
  }

  /** `network disconnect`: removes the interface now if running; either way it stays off at the next start. */
  async disconnect(ref: string, containerId: string, opts: { force?: boolean } = {}): Promise<void> {
    return this.mutex.run('net', async () => {
      const n = this.resolve(ref);
      if (n.driver !== 'bridge') throw forbidden('container cannot be disconnected from host network or connected to host network');
      const rec = this.store.attachments.get(containerId);
      const e = rec?.endpoints.find((x) => x.networkId === n.id);
      if (rec && e) {
        await unplugEndpoint(e);
        const next = { ...rec, endpoints: rec.endpoints.filter((x) => x !== e) };
        await this.store.putAttachment(next);
        await this.refreshDnsRedirect(next);
      } else if (rec && !opts.force) {
        throw forbidden(`container ${containerId} is not connected to network ${n.name}`);
      }
      await this.rememberChange(containerId, n.id, undefined);
    });
  }

  /** Points 127.0.0.11 at the gateway of the container's first user network now (no-op without one). */
  private async refreshDnsRedirect(rec: AttachmentRecord): Promise<void> {
    const dnsNet = this.embeddedDnsNetwork(rec);
    if (dnsNet && rec.netnsPath) await redirectEmbeddedDns(rec.netnsPath, dnsNet.gateway!);
  }

  private async rememberChange(containerId: string, networkId: string, cfg: EndpointSettings | undefined): Promise<void> {
    const c = this.store.connections.get(containerId) ?? { containerId, connected: {}, disconnected: [] };
    const connected = { ...c.connected };
    delete connected[networkId];
    if (cfg) connected[networkId] = cfg;
    const disconnected = c.disconnected.filter((x) => x !== networkId);
    if (!cfg) disconnected.push(networkId);
    await this.store.putConnections({ containerId, connected, disconnected });
  }

  /** The container is gone for good (`rm`): drop what connect/disconnect remembered for it. */
  async forget(containerId: string): Promise<void> {
    await this.detach(containerId);
    if (this.store.connections.has(containerId)) await this.mutex.run('net', () => this.store.deleteConnections(containerId));
  }

  /** Whether a container currently holds endpoints here (for `network rm` callers and tests). */
  attached(containerId: string): AttachmentRecord | undefined {
    return this.store.attachments.get(containerId);
  }

  /**
   * After a daemon restart: undoes everything owned by containers not in `live` (records,
   * veths, namespaces, rules) and anything tagged for networks that no longer exist.
   */
  async reconcile(liveContainerIds: Iterable<string>): Promise<{ removed: string[] }> {
    const live = new Set(liveContainerIds);
    return this.mutex.run('net', async () => {
      const removed = new Set<string>();
      for (const rec of [...this.store.attachments.values()]) {
        if (!live.has(rec.containerId)) {
          await this.teardown(rec);
          removed.add(rec.containerId);
        }
      }
      const owned = (cid: string) => live.has(cid) && this.store.attachments.has(cid);
      for (const l of await listLinks()) {
        const m = /^wharf:([0-9a-f]+):(c|n):([0-9a-f]+)$/.exec(l.alias ?? '');
        if (!m || m[1] !== this.instance) continue;
        const [kind, id] = [m[2]!, m[3]!];
        if (kind === 'c' && !owned(id)) {
          await deleteLink(l.ifname);
          removed.add(id);
        }
        if (kind === 'n' && !this.store.networks.has(id)) await deleteLink(l.ifname);
      }
      for (const f of await listNetnsFiles(this.netnsDir)) {
        if (!owned(f)) {
          await removeNetns(join(this.netnsDir, f));
          removed.add(f);
        }
      }
      const mine = `${this.instance}:`;
      const stale = (tag: string): boolean => {
        if (!tag.startsWith(mine)) return false;
        const [kind, id] = tag.slice(mine.length).split(':');
        return kind === 'c' ? !owned(id!) : kind === 'n' ? !this.store.networks.has(id!) : false;
      };
      if ([...(await listTags())].some(stale)) await removeRules(stale);
      return { removed: [...removed] };
    });
  }

  /** Reads a file of the host (exposed for resolv.conf tests). */
  static readHostFile(path: string): Promise<string> {
    return readFile(path, 'utf8');
  }
}

function extraHosts(opts: AttachOptions): string[] {
  return (opts.extraHosts ?? []).map((h) => {
    const i = h.indexOf(':');
    if (i <= 0) throw invalidParameter(`invalid argument "${h}" for "--add-host" flag`);
    return `${h.slice(i + 1)}\t${h.slice(0, i)}`;
  });
}
