import { execFileSync, spawnSync } from 'node:child_process';

/**
 * The host's iptables state before Docker's daemon ran with --iptables=true, so that exactly
 * what it added can be taken away afterwards: dockerd keeps its chains (DOCKER, DOCKER-USER,
 * DOCKER-ISOLATION-STAGE-1/2) and its bridge's rules when it stops. Other daemons (Wharf's
 * test daemons) change the tables meanwhile, so only rules that are new AND name Docker's
 * chains or one of the given bridges or subnets are removed, never a diff as a whole.
 */
export interface NetfilterSnapshot {
  rules: Set<string>;
  chains: Set<string>;
  forwardPolicy: string;
}

type Table = 'filter' | 'nat';
const TABLES: Table[] = ['filter', 'nat'];

function save(table: Table): string[] {
  return execFileSync('iptables-save', ['-t', table], { encoding: 'utf8' }).split('\n');
}

export function snapshotNetfilter(): NetfilterSnapshot {
  const rules = new Set<string>();
  const chains = new Set<string>();
  let forwardPolicy = 'ACCEPT';
  for (const t of TABLES) {
    for (const line of save(t)) {
      if (line.startsWith('-A ')) rules.add(`${t} ${line}`);
      if (line.startsWith(':')) chains.add(`${t} ${line.slice(1).split(' ')[0]}`);
      if (t === 'filter' && line.startsWith(':FORWARD ')) forwardPolicy = line.split(' ')[1]!;
    }
  }
  return { rules, chains, forwardPolicy };
}

/** Rules and chains present now, not in `before`, that belong to Docker (by chain name or by the given interface names and subnets). */
export function dockerAdditions(before: NetfilterSnapshot, names: string[]): { rules: string[]; chains: string[] } {
  const now = snapshotNetfilter();
  const ours = (s: string) => /DOCKER/.test(s) || names.some((n) => s.includes(n));
  return {
    rules: [...now.rules].filter((r) => !before.rules.has(r) && ours(r)),
    chains: [...now.chains].filter((c) => !before.chains.has(c) && /DOCKER/.test(c)),
  };
}

/** Removes Docker's additions (see dockerAdditions) and puts FORWARD's policy back; returns what is still there afterwards (expected: nothing). */
export function restoreNetfilter(before: NetfilterSnapshot, names: string[]): { removed: number; left: string[] } {
  const { rules, chains } = dockerAdditions(before, names);
  let input = '';
  for (const t of TABLES) {
    const dropped = chains.filter((c) => c.startsWith(`${t} `)).map((c) => c.slice(t.length + 1));
    // Rules inside a chain about to be dropped go with its flush; the others are deleted one by one.
    const deletions = rules
      .filter((r) => r.startsWith(`${t} `))
      .map((r) => r.slice(t.length + 1))
      .filter((r) => !dropped.includes(r.split(' ')[1]!))
      .map((r) => '-D' + r.slice(2));
    const body = [...deletions, ...dropped.map((c) => `-F ${c}`), ...dropped.map((c) => `-X ${c}`)];
    if (body.length) input += `*${t}\n${body.join('\n')}\nCOMMIT\n`;
  }
  if (input) {
    const r = spawnSync('iptables-restore', ['-w', '--noflush'], { input, encoding: 'utf8' });
    if (r.status !== 0) console.error(`iptables-restore (removing dockerd's rules) failed: ${r.stderr}`);
  }
  const policyNow = snapshotNetfilter().forwardPolicy;
  if (policyNow !== before.forwardPolicy) spawnSync('iptables', ['-w', '-P', 'FORWARD', before.forwardPolicy]);
  const left = dockerAdditions(before, names);
  return { removed: rules.length + chains.length, left: [...left.rules, ...left.chains] };
}
