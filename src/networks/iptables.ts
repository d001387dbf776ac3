import { writeFile } from 'node:fs/promises';
import { mustRun, runTool } from './run-command.js';

/**
 * Wharf's iptables footprint. Every rule carries a comment `wharf:<tag>` (a network or a
 * container), so removal and crash reconciliation find rules by owner through
 * iptables-save instead of trusting memory. Base chains:
 *   filter FORWARD  → WHARF-FORWARD (inserted first, so dockerd's DROP policy never sees our traffic)
 *   WHARF-FORWARD   → per-network fast ACCEPTs (same bridge, replies into a bridge; inserted at the top),
 *                     WHARF-ISOLATION (drops traffic between two Wharf bridges), then the other per-network rules
 *   nat PREROUTING/OUTPUT (to local addresses) → WHARF-DNAT (published ports)
 *   nat POSTROUTING → WHARF-POSTROUTING (masquerade, loopback/hairpin SNAT)
 */
export const CHAINS = {
  forward: 'WHARF-FORWARD',
  isolation: 'WHARF-ISOLATION',
  isolation2: 'WHARF-ISOLATION-2',
  dnat: 'WHARF-DNAT',
  postrouting: 'WHARF-POSTROUTING',
} as const;

const TAG_PREFIX = 'wharf:';

export type Table = 'filter' | 'nat';

export interface Rule {
  table: Table;
  chain: string;
  /** Match and target arguments, without -A/-I and the comment. */
  spec: string[];
  /** Insert at the top instead of appending (isolation DROPs must precede ACCEPTs). */
  insert?: boolean;
}

export function tagComment(tag: string): string {
  return `${TAG_PREFIX}${tag}`;
}

/** Creates the base chains and jumps once; idempotent, and safe against another daemon doing the same at once. */
export async function ensureBaseChains(): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await ensureBaseChainsOnce();
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

async function ensureBaseChainsOnce(): Promise<void> {
  const save = await mustRun('iptables-save', []);
  const lines: Record<Table, string[]> = { filter: [], nat: [] };
  const hasChain = (table: Table, chain: string) => tableText(save, table).includes(`:${chain} `);
  const hasRule = (table: Table, rule: string) => tableText(save, table).split('\n').includes(rule);
  for (const c of [CHAINS.forward, CHAINS.isolation, CHAINS.isolation2]) if (!hasChain('filter', c)) lines.filter.push(`:${c} - [0:0]`);
  for (const c of [CHAINS.dnat, CHAINS.postrouting]) if (!hasChain('nat', c)) lines.nat.push(`:${c} - [0:0]`);
  const jumps: Array<[Table, string, string]> = [
    ['filter', 'FORWARD', `-j ${CHAINS.forward}`],
    ['filter', CHAINS.forward, `-j ${CHAINS.isolation}`],
    ['nat', 'PREROUTING', `-m addrtype --dst-type LOCAL -j ${CHAINS.dnat}`],
    ['nat', 'OUTPUT', `-m addrtype --dst-type LOCAL -j ${CHAINS.dnat}`],
    ['nat', 'POSTROUTING', `-j ${CHAINS.postrouting}`],
  ];
  for (const [table, chain, rest] of jumps) {
    if (!hasRule(table, `-A ${chain} ${rest}`)) lines[table].push(`-I ${chain} 1 ${rest}`);
  }
  await restore(lines);
}

function tableText(save: string, table: Table): string {
  const start = save.indexOf(`*${table}\n`);
  if (start < 0) return '';
  const end = save.indexOf('COMMIT', start);
  return save.slice(start, end);
}

async function restore(lines: Record<Table, string[]>): Promise<void> {
  let input = '';
  for (const table of ['filter', 'nat'] as const) {
    if (lines[table].length === 0) continue;
    input += `*${table}\n${lines[table].join('\n')}\nCOMMIT\n`;
  }
  if (input) await mustRun('iptables-restore', ['-w', '--noflush'], input);
}

function quote(arg: string): string {
  return /^[A-Za-z0-9_.:/,!=+-]+$/.test(arg) ? arg : `"${arg.replace(/(["\\])/g, '\\$1')}"`;
}

/**
 * Removes the base chains and their jumps when no Wharf rule is left in them (the last daemon
 * on the host uninstalls). One iptables-restore transaction per table: if another daemon adds
 * a rule meanwhile, deleting its non-empty chain fails and the whole table is left as it was.
 */
export async function dropBaseChainsIfUnused(): Promise<void> {
  const save = await mustRun('iptables-save', []);
  const plan: Array<[Table, string[], string[]]> = [
    ['filter', [CHAINS.forward, CHAINS.isolation, CHAINS.isolation2], ['-D FORWARD -j ' + CHAINS.forward]],
    ['nat', [CHAINS.dnat, CHAINS.postrouting], [
      `-D PREROUTING -m addrtype --dst-type LOCAL -j ${CHAINS.dnat}`,
      `-D OUTPUT -m addrtype --dst-type LOCAL -j ${CHAINS.dnat}`,
      `-D POSTROUTING -j ${CHAINS.postrouting}`,
    ]],
  ];
  for (const [table, chains, jumps] of plan) {
    const lines = tableText(save, table).split('\n');
    const inUse = lines.some((l) => chains.some((c) => l.startsWith(`-A ${c} `)) && l !== `-A ${CHAINS.forward} -j ${CHAINS.isolation}`);
    if (inUse || !chains.some((c) => lines.some((l) => l.startsWith(`:${c} `)))) continue;
    const present = jumps.filter((j) => lines.includes('-A' + j.slice(2)));
    const body = [
      ...present,
      ...(table === 'filter' ? [`-F ${CHAINS.forward}`] : []),
      ...chains.map((c) => `-X ${c}`),
    ];
    await runTool('iptables-restore', ['-w', '--noflush'], `*${table}\n${body.join('\n')}\nCOMMIT\n`);
  }
}

/** Adds rules tagged with their owner, all in one iptables-restore transaction. */
export async function addRules(tag: string, rules: Rule[]): Promise<void> {
  try {
    await addRulesOnce(tag, rules);
  } catch {
    // Another daemon may have just dropped the (then empty) base chains: put them back, once.
    await ensureBaseChains();
    await addRulesOnce(tag, rules);
  }
}

/** A rule's matches and target as iptables-restore reads them, after `-A CHAIN`/`-D CHAIN`. */
function ruleBody(tag: string, r: Rule): string {
  return [...r.spec.map(quote), '-m', 'comment', '--comment', tagComment(tag)].join(' ');
}

async function addRulesOnce(tag: string, rules: Rule[]): Promise<void> {
  const lines: Record<Table, string[]> = { filter: [], nat: [] };
  for (const r of rules) lines[r.table].push(`${r.insert ? `-I ${r.chain} 1` : `-A ${r.chain}`} ${ruleBody(tag, r)}`);
  await restore(lines);
}

/**
 * Removes rules added with addRules(tag, rules), named exactly, in one transaction: no scan
 * of the host's whole ruleset. If any of them is missing (a failed or partial add, a firewall
 * reload) the transaction changes nothing, and every rule carrying the tag is removed instead.
 */
export async function removeExactRules(tag: string, rules: Rule[]): Promise<void> {
  const lines: Record<Table, string[]> = { filter: [], nat: [] };
  for (const r of rules) lines[r.table].push(`-D ${r.chain} ${ruleBody(tag, r)}`);
  try {
    await restore(lines);
  } catch {
    await removeRules(tag);
  }
}

/** Every rule whose comment starts with `wharf:<tagPrefix>`, as iptables-save prints it. */
async function taggedRules(match: (tag: string) => boolean): Promise<Record<Table, string[]>> {
  const save = await mustRun('iptables-save', []);
  const out: Record<Table, string[]> = { filter: [], nat: [] };
  for (const table of ['filter', 'nat'] as const) {
    for (const line of tableText(save, table).split('\n')) {
      if (!line.startsWith('-A ')) continue;
      const tag = /--comment "?wharf:([^"\s]+)"?/.exec(line)?.[1];
      if (tag !== undefined && match(tag)) out[table].push(line);
    }
  }
  return out;
}

/** Removes every rule carrying one of these tags (or matching the predicate); idempotent. */
export async function removeRules(match: string | ((tag: string) => boolean)): Promise<void> {
  const pred = typeof match === 'string' ? (t: string) => t === match : match;
  const found = await taggedRules(pred);
  const lines: Record<Table, string[]> = {
    filter: found.filter.map((l) => '-D' + l.slice(2)),
    nat: found.nat.map((l) => '-D' + l.slice(2)),
  };
  await restore(lines);
}

/** The distinct tags of Wharf's rules now in the kernel (for reconciliation). */
export async function listTags(): Promise<Set<string>> {
  const found = await taggedRules(() => true);
  const tags = new Set<string>();
  for (const l of [...found.filter, ...found.nat]) {
    const tag = /--comment "?wharf:([^"\s]+)"?/.exec(l)?.[1];
    if (tag) tags.add(tag);
  }
  return tags;
}

/** Sets a sysctl, ignoring hosts where it is absent. */
export async function setSysctl(path: string, value: string): Promise<void> {
  await writeFile(`/proc/sys/${path}`, value).catch(() => {});
}
