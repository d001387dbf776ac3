import { createNetns, deleteLink, ipBatch, ipBatchIn, removeNetns } from './links.js';
import { parseCidr } from './cidr.js';
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

/** Deleting the host end removes both ends of the pair; missing links are fine. */
export async function unplugEndpoint(e: EndpointRecord): Promise<void> {
  await deleteLink(e.hostVeth);
}

export { createNetns, removeNetns };
