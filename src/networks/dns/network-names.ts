import type { NetworkStore } from '../network-store.js';
import type { NameSource } from './dns-service.js';

/** The embedded DNS's view of the network service's records: who may see which names. */
export class NetworkNames implements NameSource {
  constructor(private readonly store: NetworkStore) {}

  /**
   * The user networks whose names the sender of a query may see: all networks of the
   * container at `sourceIp` when it is on `networkId`; none when it is a container of another
   * network (the gateway is reachable from every bridge through the host); the asked network
   * for anything else (the host itself).
   */
  private visibleNetworks(networkId: string, sourceIp: string): string[] {
    for (const a of this.store.attachments.values()) {
      if (!a.endpoints.some((e) => e.ip === sourceIp)) continue;
      if (!a.endpoints.some((e) => e.networkId === networkId && e.ip === sourceIp)) return [];
      return a.endpoints.map((e) => e.networkId).filter((id) => !this.store.networks.get(id)?.isDefault);
    }
    return [networkId];
  }

  /** NameSource: container names, aliases and short IDs on the asker's networks, in the order it joined them. */
  lookup(networkId: string, sourceIp: string, name: string): string[] | undefined {
    const wanted = name.toLowerCase().replace(/\.$/, '');
    for (const id of this.visibleNetworks(networkId, sourceIp)) {
      const ips = this.store.endpointsOn(id).filter(({ endpoint }) => endpoint.aliases.some((a) => a.toLowerCase() === wanted)).map(({ endpoint }) => endpoint.ip);
      if (ips.length) return ips;
    }
    return undefined;
  }

  /**
   * Where to forward the asker's other names: its --dns servers, the host's (undefined), or
   * nowhere ([]) for a container whose networks are all internal, which must not reach out.
   */
  upstreams(networkId: string, sourceIp: string): string[] | undefined {
    const a = [...this.store.attachments.values()].find((x) => x.endpoints.some((e) => e.ip === sourceIp && e.networkId === networkId));
    if (!a) return undefined;
    if (a.endpoints.every((e) => this.store.networks.get(e.networkId)?.internal)) return [];
    return a.dns;
  }

  reverse(networkId: string, sourceIp: string, ip: string): string | undefined {
    for (const id of this.visibleNetworks(networkId, sourceIp)) {
      const hit = this.store.endpointsOn(id).find(({ endpoint }) => endpoint.ip === ip);
      if (hit) return `${hit.attachment.name}.${this.store.networks.get(id)!.name}`;
    }
    return undefined;
  }

}
