import { parseCidr } from './cidr.js';
import { portsMap } from './port-bindings.js';
import type { AttachmentRecord, NetworkRecord } from './types.js';

/**
 * Docker's NetworkSettings for a container's inspect. The top-level IPAddress/Gateway/...
 * describe only the default `bridge` network, as dockerd's do; user networks appear only
 * under Networks.
 */
export function networkSettings(a: AttachmentRecord | undefined, networks: Map<string, NetworkRecord>, mode: string): Record<string, any> {
  const out: Record<string, any> = {
    Bridge: '',
    SandboxID: a?.netnsPath ? a.containerId : '',
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    Ports: a ? portsMap(a.exposed, a.ports) : {},
    SandboxKey: a?.netnsPath ?? '',
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: '',
    Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    IPAddress: '',
    IPPrefixLen: 0,
    IPv6Gateway: '',
    MacAddress: '',
    Networks: {} as Record<string, any>,
  };
  if (mode === 'host' || mode === 'none') {
    const n = [...networks.values()].find((x) => x.name === mode);
    out.Networks[mode] = endpointJson({ NetworkID: n?.id ?? '' });
    return out;
  }
  for (const e of a?.endpoints ?? []) {
    const n = networks.get(e.networkId);
    if (!n) continue;
    const prefix = parseCidr(n.subnet!).prefix;
    out.Networks[n.name] = endpointJson({
      IPAMConfig: e.requestedIp ? { IPv4Address: e.requestedIp } : null,
      Aliases: n.isDefault ? null : e.configuredAliases,
      NetworkID: n.id,
      EndpointID: e.endpointId,
      Gateway: n.gateway,
      IPAddress: e.ip,
      IPPrefixLen: prefix,
      MacAddress: e.mac,
    });
    if (n.isDefault) {
      Object.assign(out, { EndpointID: e.endpointId, Gateway: n.gateway, IPAddress: e.ip, IPPrefixLen: prefix, MacAddress: e.mac, Bridge: n.bridge });
    }
  }
  return out;
}

function endpointJson(over: Record<string, unknown>): Record<string, any> {
  return {
    IPAMConfig: null, Links: null, Aliases: null, NetworkID: '', EndpointID: '', Gateway: '', IPAddress: '', IPPrefixLen: 0,
    IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, MacAddress: '', DriverOpts: null, ...over,
  };
}
