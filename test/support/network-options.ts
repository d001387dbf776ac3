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
