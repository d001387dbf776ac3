import { readFileSync } from 'node:fs';
import { invalidParameter } from '../../common/errors.js';
import type { SeccompConfig, SeccompSyscall } from './seccomp-profile.js';

export interface SecurityOptions {
  noNewPrivileges: boolean;
  /** "default", "unconfined", or a custom profile. */
  seccomp: 'default' | 'unconfined' | SeccompConfig;
}

/**
 * Docker's `--security-opt` values. The docker CLI sends a seccomp profile's JSON text inline
 * ("seccomp=<json>"); a path is read here. AppArmor and SELinux labels do not apply on this host.
 */
export function parseSecurityOpts(opts: string[] = [], capabilities: string[] = []): SecurityOptions {
  const out: SecurityOptions = { noNewPrivileges: false, seccomp: 'default' };
  for (const opt of opts) {
    const m = /^([a-z-]+)(?:[=:](.*))?$/s.exec(opt.trim());
    const key = m?.[1];
    const value = m?.[2];
    if (key === 'no-new-privileges') {
      if (value === undefined || value === 'true') out.noNewPrivileges = true;
      else if (value === 'false') out.noNewPrivileges = false;
      else throw invalidParameter(`invalid --security-opt 2: "${opt}"`);
    } else if (key === 'seccomp' && value !== undefined) {
      if (value === 'unconfined') out.seccomp = 'unconfined';
      else out.seccomp = dockerProfileToOci(value.trimStart().startsWith('{') ? value : readProfile(value), capabilities);
    } else if (key === 'apparmor' || key === 'label' || key === 'systempaths' || key === 'writable-cgroups') {
      // Not applicable here (no AppArmor/SELinux); accepted as Docker accepts them on such hosts.
    } else {
      throw invalidParameter(`Invalid --security-opt: "${opt}"`);
    }
  }
  return out;
}

function readProfile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw invalidParameter(`opening seccomp profile (${path}) failed`);
  }
}

interface DockerRule extends Partial<SeccompSyscall> {
  name?: string;
  includes?: { caps?: string[]; arches?: string[] };
  excludes?: { caps?: string[]; arches?: string[] };
}

const DOCKER_ARCHES: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', s390x: 's390x', ppc64: 'ppc64le', riscv64: 'riscv64', ia32: 'x86' };

/** Docker's profile format (names, includes/excludes by capability and arch, archMap) to OCI's. */
export function dockerProfileToOci(json: string, capabilities: string[], arch: string = process.arch): SeccompConfig {
  let p: {
    defaultAction?: string;
    defaultErrnoRet?: number;
    architectures?: string[];
    archMap?: { architecture: string; subArchitectures: string[] | null }[];
    syscalls?: DockerRule[];
  };
  try {
    p = JSON.parse(json);
  } catch (err) {
    throw invalidParameter(`Decoding seccomp profile failed: ${(err as Error).message}`);
  }
  if (!p.defaultAction) throw invalidParameter('Decoding seccomp profile failed: missing defaultAction');
  const dockerArch = DOCKER_ARCHES[arch] ?? arch;
  const ociArch = `SCMP_ARCH_${dockerArch === 'amd64' ? 'X86_64' : dockerArch === 'arm64' ? 'AARCH64' : dockerArch.toUpperCase()}`;
  let architectures = p.architectures ?? [];
  const mapped = p.archMap?.find((a) => a.architecture === ociArch);
  if (mapped) architectures = [mapped.architecture, ...(mapped.subArchitectures ?? [])];
  const applies = (r: DockerRule): boolean => {
    if (r.includes?.caps && !r.includes.caps.every((c) => capabilities.includes(c))) return false;
    if (r.includes?.arches && !r.includes.arches.includes(dockerArch)) return false;
    if (r.excludes?.caps && r.excludes.caps.some((c) => capabilities.includes(c))) return false;
    if (r.excludes?.arches && r.excludes.arches.includes(dockerArch)) return false;
    return true;
  };
  const syscalls: SeccompSyscall[] = (p.syscalls ?? []).filter(applies).map((r) => ({
    names: r.names ?? (r.name ? [r.name] : []),
    action: r.action ?? 'SCMP_ACT_ALLOW',
    ...(r.errnoRet !== undefined ? { errnoRet: r.errnoRet } : {}),
    ...(r.args ? { args: r.args } : {}),
  }));
  return { defaultAction: p.defaultAction, defaultErrnoRet: p.defaultErrnoRet ?? 1, architectures, syscalls };
}
