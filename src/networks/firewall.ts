import { addRules, CHAINS, removeRules, setSysctl, type Rule } from './iptables.js';
import type { NetworkRecord, PortMapping } from './types.js';

/**
 * The rule tags: one per network, one per container (published ports), each prefixed with the
 * daemon instance (a hash of its data root) so two daemons on one host never reconcile away
 * each other's rules.
 */
export const networkTag = (instance: string, id: string): string => `${instance}:n:${id}`;
export const containerTag = (instance: string, id: string): string => `${instance}:c:${id}`;

/**
 * A bridge network's forwarding and NAT rules:
 * - isolation: traffic from this bridge to any other Wharf bridge is dropped (two-stage, as
 *   dockerd's DOCKER-ISOLATION chains, so the rule count grows linearly with networks);
 * - internal networks: nothing in or out across the bridge;
 * - otherwise explicit ACCEPTs, because dockerd leaves FORWARD's policy at DROP;
 * - masquerade for outbound traffic when ipMasq is on; SNAT for published ports reached from
 *   the host's loopback (with route_localnet on the bridge) and from the same bridge (hairpin).
 *
 * With br_netfilter loaded (dockerd loads it) every packet crossing a bridge, even between two
 * ports of the same bridge, walks the FORWARD chain rule by rule; on a bulk TCP stream that
 * walk is most of the kernel's work. So the rules that carry almost every packet (same-bridge
 * traffic and replies into the bridge) are inserted at the top of WHARF-FORWARD, ahead of the
 * isolation chain and of older networks' rules, and each packet of an established stream
 * meets about two rules instead of every network's. Neither can let isolated traffic through:
 * same-bridge packets never match isolation, and no connection between two Wharf bridges can
 * become established past it.
 */
export function networkRules(n: NetworkRecord): Rule[] {
  const br = n.bridge!;
  const subnet = n.subnet!;
  const rules: Rule[] = [
    { table: 'filter', chain: CHAINS.isolation, spec: ['-i', br, '!', '-o', br, '-j', CHAINS.isolation2] },
    { table: 'filter', chain: CHAINS.isolation2, spec: ['-o', br, '-j', 'DROP'] },
  ];
  const icc = n.options['com.docker.network.bridge.enable_icc'] !== 'false';
  // Inserted rules land at the top in reverse order: the same-bridge rule ends up first.
  if (!n.internal) rules.push({ table: 'filter', chain: CHAINS.forward, insert: true, spec: ['-o', br, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'] });
  rules.push({ table: 'filter', chain: CHAINS.forward, insert: true, spec: ['-i', br, '-o', br, '-j', icc ? 'ACCEPT' : 'DROP'] });
  if (n.internal) {
    rules.push({ table: 'filter', chain: CHAINS.forward, spec: ['-i', br, '!', '-o', br, '-j', 'DROP'] });
    rules.push({ table: 'filter', chain: CHAINS.forward, spec: ['!', '-i', br, '-o', br, '-j', 'DROP'] });
    return rules;
  }
  rules.push(
    { table: 'filter', chain: CHAINS.forward, spec: ['-i', br, '!', '-o', br, '-j', 'ACCEPT'] },
    { table: 'filter', chain: CHAINS.forward, spec: ['-o', br, '-m', 'conntrack', '--ctstate', 'DNAT', '-j', 'ACCEPT'] },
    { table: 'nat', chain: CHAINS.postrouting, spec: ['-s', '127.0.0.0/8', '-o', br, '-j', 'MASQUERADE'] },
    { table: 'nat', chain: CHAINS.postrouting, spec: ['-s', subnet, '-o', br, '-m', 'conntrack', '--ctstate', 'DNAT', '-j', 'MASQUERADE'] },
  );
  if (n.ipMasq) rules.push({ table: 'nat', chain: CHAINS.postrouting, spec: ['-s', subnet, '!', '-o', br, '-j', 'MASQUERADE'] });
  return rules;
}

/** (Re)installs a network's rules: removes whatever carries its tag, then adds the current set. */
export async function installNetworkRules(instance: string, n: NetworkRecord): Promise<void> {
  await removeRules(networkTag(instance, n.id));
  await addRules(networkTag(instance, n.id), networkRules(n));
  // Published ports reached at 127.0.0.1 are DNATed toward the bridge; the kernel only routes
  // loopback-sourced packets out of an interface with route_localnet set.
  await setSysctl(`net/ipv4/conf/${n.bridge}/route_localnet`, '1');
}

export async function removeNetworkRules(instance: string, id: string): Promise<void> {
  await removeRules(networkTag(instance, id));
}

/** DNAT rules for a container's published ports. */
export function portRules(ports: Array<PortMapping & { containerIp: string }>): Rule[] {
  return ports.map((p) => ({
    table: 'nat' as const,
    chain: CHAINS.dnat,
    spec: [
      ...(p.hostIp && p.hostIp !== '0.0.0.0' ? ['-d', `${p.hostIp}/32`] : []),
      '-p', p.proto, '--dport', String(p.hostPort),
      '-j', 'DNAT', '--to-destination', `${p.containerIp}:${p.containerPort}`,
    ],
  }));
}
