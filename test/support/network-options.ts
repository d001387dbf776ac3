import { randomBytes, randomInt } from 'node:crypto';

/**
 * Networking settings unique to one test engine or daemon: its own default bridge name and
 * subnets (from 10.200.0.0/13, away from Docker's and Wharf's defaults), and no masquerading,
 * so test traffic can never be NATed off this machine.
 */
export function testNetworkOptions(): { defaultBridge: string; defaultSubnet: string; pools: string[]; ipMasq: false } {
  const a = 200 + randomInt(8);
  const b = randomInt(256);
  return {
    defaultBridge: `wt${randomBytes(4).toString('hex')}`,
    defaultSubnet: `10.${a}.${b}.0/24`,
    // A /20 pool: room for sixteen /24 user networks.
    pools: [`10.${208 + randomInt(8)}.${16 * randomInt(16)}.0/20`],
    ipMasq: false,
  };
}

/** `wharf daemon` flags for those settings. */
export function daemonNetworkArgs(net: ReturnType<typeof testNetworkOptions>): string[] {
  return ['-b', net.defaultBridge, '--bip', net.defaultSubnet, '--default-address-pool', `base=${net.pools[0]},size=24`, '--ip-masq=false'];
}

/** After a test daemon stopped: its bridges and rules go (they outlive the daemon, as docker0 does). */
export async function removeDaemonNetworks(dataRoot: string, execRoot: string, net: ReturnType<typeof testNetworkOptions>): Promise<void> {
  const { NetworkService } = await import('../../src/networks/index.js');
  const svc = await NetworkService.open({ dataRoot, execRoot, ...net, dns: false }).catch(() => undefined);
  await svc?.removeAll().catch(() => {});
  await svc?.close().catch(() => {});
}
