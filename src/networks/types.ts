/**
 * Persistent records of the networking area (JSON under <dataRoot>/network/).
 * Kernel objects are always derivable from them: bridge names, veth names and rule tags.
 */

/** One network as `network create` made it (or a predefined one). */
export interface NetworkRecord {
  id: string;
  name: string;
  driver: 'bridge' | 'host' | 'null';
  created: string;
  internal: boolean;
  attachable: boolean;
  labels: Record<string, string>;
  options: Record<string, string>;
  /** Only bridge networks have these. */
  bridge?: string;
  subnet?: string;
  gateway?: string;
  /** Addresses handed out come from this range (inside subnet); defaults to the subnet. */
  ipRange?: string;
  /** The IPAM config as the client gave it, echoed by inspect. */
  ipamConfig: Array<Record<string, string>>;
  ipamOptions: Record<string, string>;
  /** Whether Wharf owns the default bridge network (`bridge`), which differs in DNS and links. */
  isDefault?: boolean;
  /** Traffic leaving the host from this network is masqueraded (dockerd's --ip-masq / enable_ip_masquerade). */
  ipMasq: boolean;
}

/** A container's endpoint on one network. */
export interface EndpointRecord {
  networkId: string;
  endpointId: string;
  ip: string;
  mac: string;
  /** Names this endpoint answers to in the network's DNS (container name, aliases, short id). */
  aliases: string[];
  /** The alias list as the client asked for it (inspect's Aliases). */
  configuredAliases: string[];
  /** The host end of the veth pair. */
  hostVeth: string;
  /** The interface name inside the container (eth0, eth1...). */
  ifName: string;
  /** The address the client asked for (--ip), echoed as IPAMConfig. */
  requestedIp?: string;
}

export interface PortMapping {
  hostIp: string;
  hostPort: number;
  containerPort: number;
  proto: 'tcp' | 'udp';
}

/** Everything Wharf made in the kernel for one running container (written before it is made). */
export interface AttachmentRecord {
  containerId: string;
  name: string;
  netnsPath?: string;
  endpoints: EndpointRecord[];
  ports: PortMapping[];
  /** Container port specs ("80/tcp") from the config, for the Ports map of inspect. */
  exposed: string[];
  /** --dns servers: where the embedded DNS forwards this container's other names. */
  dns?: string[];
}

/**
 * `network connect`/`disconnect` of a container that is not running: remembered here and
 * applied on top of its create-time NetworkingConfig at its next start (dockerd keeps them in
 * the container's own config; here the networking area keeps them so it owns all of it).
 */
export interface ConnectionChanges {
  containerId: string;
  /** Network ID → endpoint settings to add. */
  connected: Record<string, EndpointSettings>;
  /** Network IDs to leave out even if the create config names them. */
  disconnected: string[];
}

/** Docker's `NetworkingConfig.EndpointsConfig[name]`. */
export interface EndpointSettings {
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string } | null;
  Aliases?: string[] | null;
  MacAddress?: string;
  NetworkID?: string;
  [k: string]: unknown;
}

/** Docker's HostConfig.PortBindings: "80/tcp" → [{HostIp, HostPort}]. */
export type PortBindings = Record<string, Array<{ HostIp?: string; HostPort?: string }> | null>;

/** What the container service gives `attach` when a container starts. */
export interface AttachOptions {
  /** The container's name without the leading slash. */
  name: string;
  hostname?: string;
  /** HostConfig.NetworkMode: default, bridge, host, none, container:ID, or a network name/ID. */
  networkMode: string;
  endpointsConfig?: Record<string, EndpointSettings> | null;
  /** Config.MacAddress (applies to the first network). */
  mac?: string;
  portBindings?: PortBindings | null;
  publishAll?: boolean;
  /** Config.ExposedPorts: {"80/tcp": {}}. */
  exposedPorts?: Record<string, unknown> | null;
  /** HostConfig.Dns: replaces the nameservers in resolv.conf when given. */
  dns?: string[] | null;
  dnsSearch?: string[] | null;
  dnsOptions?: string[] | null;
  /** HostConfig.ExtraHosts: "name:ip". */
  extraHosts?: string[] | null;
  /** For `container:NAME`: the other container's netns path (the caller resolves it). */
  joinNetnsPath?: string;
}

export interface AttachResult {
  /** The namespace to run the container in; undefined for host and none (the runtime handles those). */
  netnsPath?: string;
  /** Docker's NetworkSettings (Networks, Ports, IPAddress... of the first network). */
  settings: Record<string, any>;
  /** Lines for /etc/hosts after the localhost block: own addresses with hostname, then --add-host entries. */
  hostsEntries: string[];
  /** The whole /etc/resolv.conf for the container; undefined for host mode (copy the host's). */
  resolvConf?: string;
}
