import { containerTag, portRules } from './firewall.js';
import { addRules, removeExactRules, removeRules, type Rule } from './iptables.js';
import { plugEndpoint, redirectEmbeddedDns, removeNetns, unplugEndpoint } from './endpoint-plumbing.js';
import type { AttachmentRecord, NetworkRecord } from './types.js';

/**
 * The kernel side of one container's attachment, after its record is written and its
 * namespace made: interfaces, routes, published ports' rules, the embedded-DNS redirect; and
 * taking them away again. Independent steps run side by side, and each function waits for
 * all of its steps to settle before reporting a failure, so a teardown never races a step
 * still under way.
 */

/** The DNAT rules for an attachment's published ports, toward its first address. */
export function attachmentPortRules(a: AttachmentRecord): Rule[] {
  const ip = a.endpoints[0]?.ip;
  return ip ? portRules(a.ports.map((p) => ({ ...p, containerIp: ip }))) : [];
}

/**
 * Makes the links (in endpoint order: the first non-internal network gets the default route)
 * and, meanwhile, the port rules, which need only the container's address. A fresh record has
 * no rules yet (it is written before any), so nothing is removed first.
 */
export async function plumbAttachment(instance: string, rec: AttachmentRecord, networks: Map<string, NetworkRecord>, dnsNet?: NetworkRecord): Promise<void> {
  const links = async () => {
    let routed = false;
    for (const e of rec.endpoints) {
      const n = networks.get(e.networkId)!;
      await plugEndpoint(instance, rec.containerId, rec.netnsPath!, n, e, !routed && !n.internal);
      routed ||= !n.internal;
    }
    if (dnsNet) await redirectEmbeddedDns(rec.netnsPath!, dnsNet.gateway!);
  };
  const rules = async () => {
    if (rec.ports.length) await addRules(containerTag(instance, rec.containerId), attachmentPortRules(rec));
  };
  await allSettledOrThrow([links(), rules()]);
}

/**
 * Removes an attachment's rules, links and namespace. A record without ports has no rules;
 * the rules it has are known exactly, which spares a scan of the host's whole ruleset.
 */
export async function unplumbAttachment(instance: string, rec: AttachmentRecord): Promise<void> {
  const rules = async () => {
    if (rec.ports.length) await removeExactRules(containerTag(instance, rec.containerId), attachmentPortRules(rec));
  };
  const links = async () => {
    for (const e of rec.endpoints) await unplugEndpoint(e);
    if (rec.netnsPath) await removeNetns(rec.netnsPath);
  };
  await allSettledOrThrow([rules(), links()]);
}

/** Puts a running container's port rules back as they should be (after a daemon restart or a firewall reload). */
export async function reinstallPortRules(instance: string, a: AttachmentRecord): Promise<void> {
  const tag = containerTag(instance, a.containerId);
  await removeRules(tag);
  if (a.ports.length) await addRules(tag, attachmentPortRules(a));
}

async function allSettledOrThrow(steps: Promise<void>[]): Promise<void> {
  const failed = (await Promise.allSettled(steps)).find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
  if (failed) throw failed.reason;
}
