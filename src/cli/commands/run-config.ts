/**
 * Turns run/create flags into the body of POST /containers/create, as the docker CLI does
 * (attach settings, env and label files, ports, binds, mounts, limits, health checks...).
 */
import type { ParsedArgs } from '../args.js';
import { CliError } from '../cli-error.js';
import { parseGoDuration, parseRamSize } from '../format/units.js';
import { readKeyValueFile } from './common.js';

export interface CreateRequest {
  name?: string;
  platform?: string;
  body: Record<string, unknown>;
  /** Which streams `run` attaches to. */
  attach: { stdin: boolean; stdout: boolean; stderr: boolean };
  tty: boolean;
}

const bad = (msg: string) => new CliError(`wharf: ${msg}\n\nRun 'wharf run --help' for more information`, 125);

function durationNs(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  try {
    const ms = parseGoDuration(value);
    if (ms < 0) throw new Error();
    return Math.round(ms * 1e6);
  } catch {
    throw bad(`invalid argument "${value}" for "--${flag}" flag: time: invalid duration "${value}"`);
  }
}

function parsePorts(specs: string[], exposed: Record<string, object>, bindings: Record<string, { HostIp: string; HostPort: string }[]>): void {
  for (const spec of specs) {
    const [rest, proto = 'tcp'] = spec.split('/');
    const parts = rest.includes('[') ? (/^\[([^\]]*)\]:(.*)$/.exec(rest)?.slice(1) ?? [rest]) : rest.split(':');
    let ip = '';
    let host = '';
    let container: string;
    if (parts.length === 1) container = parts[0];
    else if (parts.length === 2 && rest.includes('[')) {
      ip = parts[0];
      [host, container] = parts[1].split(':').length === 2 ? parts[1].split(':') : ['', parts[1]];
    } else if (parts.length === 2) [host, container] = parts;
    else [ip, host, container] = parts;
    const range = (x: string): [number, number] => {
      const [a, b2] = x.split('-').map(Number);
      return [a, b2 ?? a];
    };
    if (!/^\d+(-\d+)?$/.test(container) || (host && !/^\d+(-\d+)?$/.test(host))) throw bad(`invalid containerPort: ${container}`);
    const [c0, c1] = range(container);
    const [h0, h1] = host ? range(host) : [0, 0];
    for (let p = c0; p <= c1; p++) {
      const key = `${p}/${proto}`;
      exposed[key] = {};
      const hostPort = host ? String(h1 - h0 === c1 - c0 ? h0 + (p - c0) : h0 === h1 ? h0 : `${h0}-${h1}`) : '';
      (bindings[key] ??= []).push({ HostIp: ip, HostPort: hostPort });
    }
  }
}

function parseMount(spec: string): Record<string, unknown> {
  const m: Record<string, unknown> = { Type: 'volume' };
  for (const field of spec.split(',')) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).trim().toLowerCase();
    const val = eq < 0 ? '' : field.slice(eq + 1);
    switch (key) {
      case 'type':
        m.Type = val;
        break;
      case 'source':
      case 'src':
        m.Source = val;
        break;
      case 'target':
      case 'destination':
      case 'dst':
        m.Target = val;
        break;
      case 'readonly':
      case 'ro':
        m.ReadOnly = eq < 0 || val === 'true' || val === '1';
        break;
      case 'bind-propagation':
        m.BindOptions = { ...(m.BindOptions as object), Propagation: val };
        break;
      case 'volume-nocopy':
        m.VolumeOptions = { ...(m.VolumeOptions as object), NoCopy: eq < 0 || val === 'true' };
        break;
      case 'tmpfs-size':
        m.TmpfsOptions = { ...(m.TmpfsOptions as object), SizeBytes: parseRamSize(val) };
        break;
      case 'tmpfs-mode':
        m.TmpfsOptions = { ...(m.TmpfsOptions as object), Mode: parseInt(val, 8) };
        break;
      default:
        throw bad(`invalid argument "${spec}" for "--mount" flag: unexpected key '${key}' in '${field}'`);
    }
  }
  if (!m.Target) throw bad(`invalid argument "${spec}" for "--mount" flag: target is required`);
  return m;
}

/** Go marshals maps with sorted keys; so does this, for identical request bodies. */
function sorted<T>(map: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.keys(map).sort().map((k) => [k, map[k]]));
}

/** docker's capability spelling: upper case with the CAP_ prefix; ALL stays ALL. */
export function normalizeCaps(caps: string[]): string[] | null {
  if (caps.length === 0) return null;
  const out: string[] = [];
  for (const c of caps) {
    const up = c.trim().toUpperCase();
    const n = up === 'ALL' || up.startsWith('CAP_') ? up : `CAP_${up}`;
    if (!out.includes(n)) out.push(n);
  }
  return out;
}

function keyValueMap(items: string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const it of items) {
    const eq = it.indexOf('=');
    if (eq <= 0 && flag !== 'label') throw bad(`invalid argument "${it}" for "--${flag}" flag: ${flag} must be of the form key=value`);
    if (eq < 0) out[it] = '';
    else out[it.slice(0, eq)] = it.slice(eq + 1);
  }
  return out;
}

export async function buildCreateRequest(a: ParsedArgs, opts: { detach: boolean; autoRemove: boolean; consoleSize?: [number, number] }): Promise<CreateRequest> {
  const [image, ...cmd] = a.args;
  const env: string[] = [];
  for (const f of a.list('env-file')) env.push(...(await readKeyValueFile(f, 'env')));
  for (const e of a.list('env')) {
    if (e.includes('=')) env.push(e);
    else if (process.env[e] !== undefined) env.push(`${e}=${process.env[e]}`);
  }
  const labelItems: string[] = [];
  for (const f of a.list('label-file')) labelItems.push(...(await readKeyValueFile(f, 'label')));
  labelItems.push(...a.list('label'));
  const labels = keyValueMap(labelItems, 'label');

  const interactive = a.bool('interactive');
  const tty = a.bool('tty');
  const attachList = a.list('attach').map((s) => s.toLowerCase());
  for (const s of attachList) if (!['stdin', 'stdout', 'stderr'].includes(s)) throw bad(`invalid argument "${s}" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR`);
  if (opts.detach && attachList.length > 0) throw bad('Conflicting options: -a and -d');
  const attach = opts.detach
    ? { stdin: false, stdout: false, stderr: false }
    : attachList.length > 0
      ? { stdin: attachList.includes('stdin'), stdout: attachList.includes('stdout'), stderr: attachList.includes('stderr') }
      : { stdin: interactive, stdout: true, stderr: true };

  const restart = a.string('restart') ?? 'no';
  const [policy, retries] = restart.split(':');
  if (opts.autoRemove && policy !== 'no' && policy !== '') throw bad('Conflicting options: cannot specify both --restart and --rm');
  if (retries !== undefined && !/^\d+$/.test(retries)) throw bad(`invalid restart policy format: maximum retry count must be an integer`);

  let healthcheck: Record<string, unknown> | undefined;
  const healthGiven = ['health-cmd', 'health-interval', 'health-retries', 'health-timeout', 'health-start-period', 'health-start-interval'].some((f) => a.has(f));
  if (a.bool('no-healthcheck')) {
    if (healthGiven) throw bad('--no-healthcheck conflicts with --health-* options');
    healthcheck = { Test: ['NONE'] };
  } else if (healthGiven) {
    const retriesN = a.string('health-retries');
    if (retriesN !== undefined && !/^\d+$/.test(retriesN)) throw bad(`invalid argument "${retriesN}" for "--health-retries" flag`);
    const fields: Record<string, unknown> = {
      Test: a.string('health-cmd') !== undefined ? ['CMD-SHELL', a.string('health-cmd')] : undefined,
      Interval: durationNs(a.string('health-interval'), 'health-interval'),
      Timeout: durationNs(a.string('health-timeout'), 'health-timeout'),
      StartPeriod: durationNs(a.string('health-start-period'), 'health-start-period'),
      StartInterval: durationNs(a.string('health-start-interval'), 'health-start-interval'),
      Retries: retriesN !== undefined ? Number(retriesN) : undefined,
    };
    // Go's omitempty: zero durations and counts are left out.
    healthcheck = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== 0));
  }

  const exposed: Record<string, object> = {};
  const portBindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  parsePorts(a.list('publish'), exposed, portBindings);
  for (const e of a.list('expose')) {
    const [p, proto = 'tcp'] = e.split('/');
    exposed[`${p}/${proto}`] = {};
  }

  const binds: string[] = [];
  const volumes: Record<string, object> = {};
  for (const v of a.list('volume')) {
    if (v.split(':').length === 1 && v.startsWith('/')) volumes[v] = {};
    else binds.push(v);
  }
  const tmpfs: Record<string, string> = {};
  for (const t of a.list('tmpfs')) {
    const i = t.indexOf(':');
    tmpfs[i < 0 ? t : t.slice(0, i)] = i < 0 ? '' : t.slice(i + 1);
  }
  const ulimits = a.list('ulimit').map((u) => {
    const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(u);
    if (!m) throw bad(`invalid argument "${u}" for "--ulimit" flag: invalid ulimit argument: ${u}`);
    return { Name: m[1], Hard: Number(m[3] ?? m[2]), Soft: Number(m[2]) };
  });
  const size = (v: string | undefined, flag: string) => {
    if (v === undefined) return undefined;
    try {
      return parseRamSize(v);
    } catch {
      throw bad(`invalid argument "${v}" for "--${flag}" flag: invalid size: '${v}'`);
    }
  };
  const cpus = a.string('cpus');
  if (cpus !== undefined && !/^\d*\.?\d+$/.test(cpus)) throw bad(`invalid argument "${cpus}" for "--cpus" flag: failed to parse ${cpus} as a rational number`);
  const intOf = (flag: string) => {
    const v = a.string(flag);
    if (v === undefined) return undefined;
    if (!/^-?\d+$/.test(v)) throw bad(`invalid argument "${v}" for "--${flag}" flag: strconv.ParseInt: parsing "${v}": invalid syntax`);
    return Number(v);
  };

  const network = a.string('network') ?? 'default';
  const endpoints: Record<string, unknown> = {};
  if (!['default', 'bridge', 'host', 'none'].includes(network) && !network.startsWith('container:')) {
    endpoints[network] = a.list('network-alias').length > 0 ? { Aliases: a.list('network-alias') } : {};
  }
  const entrypoint = a.string('entrypoint');
  const logOpts = keyValueMap(a.list('log-opt'), 'log-opt');

  const pidsLimit = intOf('pids-limit');
  // Field order and defaults follow what the docker CLI sends, so a daemon stores the same thing.
  const body: Record<string, unknown> = {
    Hostname: a.string('hostname') ?? '',
    Domainname: a.string('domainname') ?? '',
    User: a.string('user') ?? '',
    AttachStdin: attach.stdin,
    AttachStdout: attach.stdout,
    AttachStderr: attach.stderr,
    ExposedPorts: Object.keys(exposed).length > 0 ? sorted(exposed) : undefined,
    Tty: tty,
    OpenStdin: interactive,
    StdinOnce: interactive && attach.stdin,
    Env: env.length > 0 ? env : null,
    Cmd: cmd.length > 0 ? cmd : null,
    Healthcheck: healthcheck,
    Image: image,
    Volumes: sorted(volumes),
    WorkingDir: a.string('workdir') ?? '',
    Entrypoint: entrypoint !== undefined ? [entrypoint] : null,
    OnBuild: null,
    Labels: sorted(labels),
    StopSignal: a.string('stop-signal'),
    StopTimeout: intOf('stop-timeout'),
    HostConfig: {
      Binds: binds.length > 0 ? binds : null,
      ContainerIDFile: a.string('cidfile') ?? '',
      LogConfig: { Type: a.string('log-driver') ?? '', Config: sorted(logOpts) },
      NetworkMode: network,
      PortBindings: sorted(portBindings),
      RestartPolicy: { Name: policy, MaximumRetryCount: retries ? Number(retries) : 0 },
      AutoRemove: opts.autoRemove,
      VolumeDriver: '',
      VolumesFrom: a.list('volumes-from').length > 0 ? a.list('volumes-from') : null,
      ConsoleSize: opts.consoleSize ?? [0, 0],
      CapAdd: normalizeCaps(a.list('cap-add')),
      CapDrop: normalizeCaps(a.list('cap-drop')),
      CgroupnsMode: a.string('cgroupns') ?? '',
      Dns: a.list('dns'),
      DnsOptions: a.list('dns-option'),
      DnsSearch: a.list('dns-search'),
      ExtraHosts: a.list('add-host').length > 0 ? a.list('add-host') : null,
      GroupAdd: a.list('group-add').length > 0 ? a.list('group-add') : null,
      IpcMode: a.string('ipc') ?? '',
      Cgroup: '',
      Links: null,
      OomScoreAdj: 0,
      PidMode: a.string('pid') ?? '',
      Privileged: a.bool('privileged'),
      PublishAllPorts: a.bool('publish-all'),
      ReadonlyRootfs: a.bool('read-only'),
      SecurityOpt: a.list('security-opt').length > 0 ? a.list('security-opt') : null,
      Tmpfs: Object.keys(tmpfs).length > 0 ? sorted(tmpfs) : undefined,
      UTSMode: a.string('uts') ?? '',
      UsernsMode: a.string('userns') ?? '',
      ShmSize: size(a.string('shm-size'), 'shm-size') ?? 0,
      Sysctls: a.list('sysctl').length > 0 ? sorted(keyValueMap(a.list('sysctl'), 'sysctl')) : undefined,
      Runtime: a.string('runtime'),
      Isolation: '',
      CpuShares: intOf('cpu-shares') ?? 0,
      Memory: size(a.string('memory'), 'memory') ?? 0,
      NanoCpus: cpus !== undefined ? Math.round(Number(cpus) * 1e9) : 0,
      CgroupParent: a.string('cgroup-parent') ?? '',
      BlkioWeight: 0,
      BlkioWeightDevice: [],
      BlkioDeviceReadBps: [],
      BlkioDeviceWriteBps: [],
      BlkioDeviceReadIOps: [],
      BlkioDeviceWriteIOps: [],
      CpuPeriod: 0,
      CpuQuota: 0,
      CpuRealtimePeriod: intOf('cpu-rt-period') ?? 0,
      CpuRealtimeRuntime: intOf('cpu-rt-runtime') ?? 0,
      CpusetCpus: a.string('cpuset-cpus') ?? '',
      CpusetMems: '',
      Devices: a.list('device').map((dev) => {
        const [host, inContainer, perms] = dev.split(':');
        return { PathOnHost: host, PathInContainer: inContainer || host, CgroupPermissions: perms || 'rwm' };
      }),
      DeviceCgroupRules: null,
      DeviceRequests: null,
      MemoryReservation: size(a.string('memory-reservation'), 'memory-reservation') ?? 0,
      MemorySwap: a.string('memory-swap') === '-1' ? -1 : (size(a.string('memory-swap'), 'memory-swap') ?? 0),
      MemorySwappiness: -1,
      OomKillDisable: a.bool('oom-kill-disable'),
      PidsLimit: pidsLimit ?? 0,
      Ulimits: ulimits,
      CpuCount: 0,
      CpuPercent: 0,
      IOMaximumIOps: 0,
      IOMaximumBandwidth: 0,
      Mounts: a.list('mount').length > 0 ? a.list('mount').map(parseMount) : undefined,
      MaskedPaths: null,
      ReadonlyPaths: null,
      Init: a.has('init') ? a.bool('init') : undefined,
    },
    NetworkingConfig: { EndpointsConfig: endpoints },
  };
  return { name: a.string('name'), platform: a.string('platform'), body, attach, tty };
}
