import { existsSync } from 'node:fs';
import { invalidParameter } from '../../common/errors.js';
import type { SpecInput } from '../runtime.js';
import { detectCgroups, type CgroupLayout } from '../cgroups.js';
import { resolveCapabilities } from './capabilities.js';
import { defaultSeccompProfile } from './seccomp-profile.js';
import { resolveUserInRootfs } from './user.js';
import { buildRlimits } from './rlimits.js';
import { buildResources } from './resources.js';
import { parseSecurityOpts } from './security-opts.js';
import { deviceAt, hostDevices, type OciDevice } from './devices.js';
import {
  DEFAULT_PATH, DEFAULT_SHM_SIZE, INIT_PATH_IN_CONTAINER, MASKED_PATHS, READONLY_PATHS,
  PRIVATE_NETWORK_SYSCTLS, defaultDeviceRules, defaultMounts, type DeviceRule, type OciMount,
} from './docker-defaults.js';

export interface BuildSpecOptions {
  /** Host path of the static init bound in for `--init`. */
  initPath?: string;
  cgroups?: CgroupLayout;
}

export const DEFAULT_INIT_PATH = '/usr/bin/tini-static';

/**
 * The OCI runtime config Docker would generate for `input`: namespaces, default capabilities,
 * seccomp, masked paths, standard mounts, user from the image's passwd, resources and rlimits.
 * Throws WharfError (invalid-parameter) with dockerd's wording on bad input.
 */
export async function buildSpec(input: SpecInput, opts: BuildSpecOptions = {}): Promise<Record<string, unknown>> {
  if (!input.args.length) throw invalidParameter('No command specified');
  const layout = opts.cgroups ?? detectCgroups();
  const privileged = input.privileged ?? false;
  const caps = resolveCapabilities(input.capAdd, input.capDrop, privileged);
  const security = parseSecurityOpts(input.securityOpt, caps);
  const user = await resolveUserInRootfs(input.rootfs, input.user, input.groupAdd);

  const env = withDefaultEnv(input.env, { hostname: input.hostname, home: user.home, tty: input.tty });
  let args = input.args;
  const mounts: OciMount[] = defaultMounts({ shmSize: input.shmSize || DEFAULT_SHM_SIZE, privileged });
  if (input.init) {
    const initPath = opts.initPath ?? DEFAULT_INIT_PATH;
    if (!existsSync(initPath)) throw invalidParameter(`docker-init binary not found at ${initPath}`);
    mounts.push({ destination: INIT_PATH_IN_CONTAINER, type: 'bind', source: initPath, options: ['bind', 'ro'] });
    args = [INIT_PATH_IN_CONTAINER, '--', ...args];
  }
  for (const m of input.mounts ?? []) {
    // A caller's mount over a default one (e.g. a bigger /dev/shm) replaces it, as in Docker.
    const i = mounts.findIndex((d) => d.destination === m.destination);
    const mount: OciMount = { destination: m.destination, type: m.type, source: m.source, options: m.options ?? [] };
    if (i >= 0) mounts[i] = mount;
    else mounts.push(mount);
  }

  // dockerd gives a non-root user only the bounding set: the process starts without privileges.
  const capSet = user.uid === 0 ? { bounding: caps, effective: caps, permitted: caps } : { bounding: caps };
  const process: Record<string, unknown> = {
    terminal: input.tty,
    user: { uid: user.uid, gid: user.gid, ...(user.additionalGids.length ? { additionalGids: user.additionalGids } : {}) },
    args,
    env,
    cwd: input.cwd || '/',
    capabilities: capSet,
    rlimits: buildRlimits(input.ulimits),
    noNewPrivileges: security.noNewPrivileges,
  };
  const oomScoreAdj = input.oomScoreAdj ?? 0;
  if (oomScoreAdj < -1000 || oomScoreAdj > 1000) {
    throw invalidParameter(`Invalid value ${oomScoreAdj}, range for oom score adj is [-1000, 1000]`);
  }
  process.oomScoreAdj = oomScoreAdj;
  if (!process.cwd || !(process.cwd as string).startsWith('/')) {
    throw invalidParameter(`the working directory '${input.cwd}' is invalid, it needs to be an absolute path`);
  }

  const devices: OciDevice[] = privileged ? hostDevices() : [];
  const deviceRules: DeviceRule[] = privileged ? [{ allow: true, access: 'rwm' }] : defaultDeviceRules();
  for (const d of input.devices ?? []) {
    const dev = deviceAt(d.PathOnHost, d.PathInContainer || d.PathOnHost);
    devices.push(dev);
    deviceRules.push({ allow: true, type: dev.type, major: dev.major, minor: dev.minor, access: d.CgroupPermissions || 'rwm' });
  }

  const linux: Record<string, unknown> = {
    namespaces: namespaces(input, layout),
    resources: { devices: deviceRules, ...buildResources(input, layout) },
    cgroupsPath: input.cgroupsPath,
  };
  if (devices.length) linux.devices = devices;
  if (!privileged) {
    linux.maskedPaths = [...MASKED_PATHS];
    linux.readonlyPaths = [...READONLY_PATHS];
  }
  if (!privileged && security.seccomp !== 'unconfined') {
    linux.seccomp = security.seccomp === 'default' ? defaultSeccompProfile(caps) : security.seccomp;
  }
  const sysctl = { ...(input.network.mode === 'host' ? {} : PRIVATE_NETWORK_SYSCTLS), ...(input.sysctls ?? {}) };
  if (Object.keys(sysctl).length) linux.sysctl = sysctl;

  const spec: Record<string, unknown> = {
    ociVersion: '1.0.2-dev',
    process,
    root: { path: input.rootfs, readonly: input.readonlyRootfs ?? false },
    mounts,
    linux,
  };
  if (input.utsMode !== 'host') {
    spec.hostname = input.hostname;
    if (input.domainname) spec.domainname = input.domainname;
  }
  if (input.labels && Object.keys(input.labels).length) spec.annotations = { ...input.labels };
  return spec;
}

/** Docker's environment defaults: PATH, HOSTNAME, TERM for a TTY, HOME from passwd. */
export function withDefaultEnv(env: string[], o: { hostname: string; home: string; tty: boolean }): string[] {
  const has = (k: string) => env.some((e) => e === k || e.startsWith(`${k}=`));
  const out: string[] = [];
  if (!has('PATH')) out.push(`PATH=${DEFAULT_PATH}`);
  if (!has('HOSTNAME') && o.hostname) out.push(`HOSTNAME=${o.hostname}`);
  if (o.tty && !has('TERM')) out.push('TERM=xterm');
  out.push(...env);
  if (!has('HOME')) out.push(`HOME=${o.home}`);
  return out;
}

function namespaceFor(type: string, mode: string | undefined): { type: string; path?: string } | undefined {
  if (mode === 'host') return undefined;
  const m = mode ? /^container:(\d+)$/.exec(mode) : null;
  if (m) return { type, path: `/proc/${m[1]}/ns/${type === 'network' ? 'net' : type}` };
  if (mode && mode.startsWith('/')) return { type, path: mode };
  return { type };
}

function namespaces(input: SpecInput, layout: CgroupLayout): { type: string; path?: string }[] {
  // dockerd's order: mount, network, uts, pid, ipc.
  const out: { type: string; path?: string }[] = [{ type: 'mount' }];
  if (input.network.mode === 'new') out.push({ type: 'network' });
  else if (input.network.mode === 'path') out.push({ type: 'network', path: input.network.path });
  for (const [type, mode] of [['uts', input.utsMode], ['pid', input.pidMode], ['ipc', input.ipcMode]] as const) {
    const ns = namespaceFor(type, mode);
    if (ns) out.push(ns);
  }
  // Docker's default on cgroup v2 is a private cgroup namespace; on v1 it is the host's.
  if (layout.version === 2 && !input.privileged) out.push({ type: 'cgroup' });
  return out;
}
