import { createNetns, deleteLink, ipBatch, ipBatchIn, removeNetns } from './links.js';
import { parseCidr } from './cidr.js';
import { mustRun } from './run-command.js';
import type { EndpointRecord, NetworkRecord } from './types.js';

/** The alias every container-owned link carries, so reconciliation can find leftovers. */
export const containerAlias = (instance: string, containerId: string): string => `wharf:${instance}:c:${containerId}`;

/**
 * Plugs one endpoint in: a veth pair whose container end is created directly inside the
 * namespace (so no half-moved interface is ever visible on the host under a guessable name),
 * the host end enslaved to the bridge, then address, MAC and (for the gateway network) the
 * default route inside the namespace.
 */
export async function plugEndpoint(instance: string, containerId: string, netnsPath: string, n: NetworkRecord, e: EndpointRecord, defaultRoute: boolean): Promise<void> {
  await ipBatch([
    `link add ${e.hostVeth} type veth peer name ${e.ifName} netns ${netnsPath}`,
    `link set dev ${e.hostVeth} alias ${containerAlias(instance, containerId)}`,
    ...(n.options['com.docker.network.driver.mtu'] ? [`link set dev ${e.hostVeth} mtu ${n.options['com.docker.network.driver.mtu']}`] : []),
    `link set dev ${e.hostVeth} master ${n.bridge} up`,
    // A container reaching its own published port through a host address comes back out of
    // the port it went in by; the bridge only sends it there in hairpin mode.
    `link set dev ${e.hostVeth} type bridge_slave hairpin on`,
  ]);
  const prefix = parseCidr(n.subnet!).prefix;
  await ipBatchIn(netnsPath, [
    'link set dev lo up',
    `link set dev ${e.ifName} address ${e.mac}`,
    ...(n.options['com.docker.network.driver.mtu'] ? [`link set dev ${e.ifName} mtu ${n.options['com.docker.network.driver.mtu']}`] : []),
    `addr add ${e.ip}/${prefix} dev ${e.ifName}`,
    `link set dev ${e.ifName} up`,
    ...(defaultRoute ? [`route add default via ${n.gateway} dev ${e.ifName}`] : []),
  ]);
}

/** dockerd's address for the embedded DNS inside every container on a user network. */
export const EMBEDDED_DNS_ADDRESS = '127.0.0.11';

/**
 * Makes 127.0.0.11:53 inside the namespace reach the DNS listener on a gateway: DNAT in the
 * namespace's own nftables (it dies with the namespace, so nothing to clean up on the host),
 * and since the rewritten packet still carries a loopback source, route_localnet lets it out
 * and a masquerade gives it the container's address, by which the server knows the asker.
 */
export async function redirectEmbeddedDns(netnsPath: string, gateway: string): Promise<void> {
  const ruleset = [
    // Declaring then deleting makes the load replace any earlier version (connect/disconnect).
    'table ip wharf_dns {}',
    'delete table ip wharf_dns',
    'table ip wharf_dns {',
    '  chain output {',
    '    type nat hook output priority -100;',
    `    ip daddr ${EMBEDDED_DNS_ADDRESS} udp dport 53 dnat to ${gateway}:53`,
    `    ip daddr ${EMBEDDED_DNS_ADDRESS} tcp dport 53 dnat to ${gateway}:53`,
    '  }',
    '  chain postrouting {',
    '    type nat hook postrouting priority 100;',
    '    ip saddr 127.0.0.0/8 oifname != "lo" masquerade',
    '  }',
    '}',
  ].join('\n');
  await mustRun('nsenter', [`--net=${netnsPath}`, 'sh', '-c', 'echo 1 > /proc/sys/net/ipv4/conf/all/route_localnet && exec nft -f -'], ruleset + '\n');
}

/** Deleting the host end removes both ends of the pair; missing links are fine. */
export async function unplugEndpoint(e: EndpointRecord): Promise<void> {
  await deleteLink(e.hostVeth);
}

export { createNetns, removeNetns };
