import { readFileSync } from 'node:fs';
import { invalidParameter } from '../../common/errors.js';

/** Every capability the kernel knows (as of Linux 6.x), in the kernel's numbering order. */
export const ALL_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT',
  'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE',
  'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN',
  'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

/**
 * The capabilities this process may hand on (its bounding set): "all" for `--privileged` or
 * `--cap-add ALL` means these, as in Docker; a VM or an outer container may lack some.
 */
export function hostCapabilities(statusText?: string): string[] {
  let text = statusText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/status', 'utf8');
    } catch {
      return [...ALL_CAPABILITIES];
    }
  }
  const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(text);
  if (!m) return [...ALL_CAPABILITIES];
  const mask = BigInt(`0x${m[1]}`);
  return ALL_CAPABILITIES.filter((_, bit) => (mask >> BigInt(bit)) & 1n);
}

/** The 14 capabilities Docker grants a container unless told otherwise. */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** "net_admin", "CAP_NET_ADMIN", "Net_Admin" → "CAP_NET_ADMIN"; "all" → "ALL". */
export function normalizeCapability(name: string): string {
  const upper = name.trim().toUpperCase();
  if (upper === 'ALL') return 'ALL';
  const full = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  if (!ALL_CAPABILITIES.includes(full)) throw invalidParameter(`unknown capability: "${full}"`);
  return full;
}

/**
 * Docker's rules for `--cap-add`/`--cap-drop`: start from the defaults; a drop of ALL empties the
 * set before adds apply; an add of ALL grants everything before drops apply; otherwise adds then drops.
 */
export function resolveCapabilities(
  capAdd: string[] = [],
  capDrop: string[] = [],
  privileged = false,
  available: string[] = hostCapabilities(),
): string[] {
  if (privileged) return [...available];
  const adds = capAdd.map(normalizeCapability);
  const drops = capDrop.map(normalizeCapability);
  if (adds.includes('ALL')) {
    return available.filter((c) => !drops.includes(c));
  }
  const base = drops.includes('ALL') ? [] : DEFAULT_CAPABILITIES.filter((c) => !drops.includes(c));
  const out = [...base];
  for (const c of adds) if (!out.includes(c)) out.push(c);
  return out;
}
