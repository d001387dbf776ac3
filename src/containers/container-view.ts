import { humanDuration } from '../common/human-duration.js';
import type { ContainerRecord } from './container-record.js';
import { ZERO_TIME } from './container-record.js';
import type { DockerJson } from './container-service.js';
import type { EtcFiles } from './etc-files.js';
import { mountView } from './mount-points.js';

/** Docker's one-line status ("Up 3 seconds (healthy)", "Exited (0) 2 minutes ago"...). */
export function statusText(rec: ContainerRecord, now = Date.now()): string {
  const st = rec.state;
  const since = (t: string) => humanDuration(now - Date.parse(t));
  switch (st.status) {
    case 'running':
    case 'paused': {
      let s = `Up ${since(st.startedAt)}`;
      if (st.status === 'paused') s += ' (Paused)';
      else if (st.health && st.health.Status !== 'none') s += ` (${st.health.Status === 'starting' ? 'health: starting' : st.health.Status})`;
      return s;
    }
    case 'restarting':
      return `Restarting (${st.exitCode}) ${since(st.finishedAt)} ago`;
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    case 'exited':
      return st.finishedAt === ZERO_TIME ? 'Created' : `Exited (${st.exitCode}) ${since(st.finishedAt)} ago`;
    default:
      return 'Created';
  }
}

function networkSettings(rec: ContainerRecord): DockerJson {
  const mode = rec.hostConfig.NetworkMode;
  const networks: DockerJson = {};
  if (mode === 'host' || mode === 'none') {
    networks[mode] = {
      IPAMConfig: null, Links: null, Aliases: null, MacAddress: '', NetworkID: '', EndpointID: '', Gateway: '',
      IPAddress: '', IPPrefixLen: 0, IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, DriverOpts: null, DNSNames: null,
    };
  }
  return {
    Bridge: '', SandboxID: '', HairpinMode: false, LinkLocalIPv6Address: '', LinkLocalIPv6PrefixLen: 0,
    Ports: {}, SandboxKey: '', SecondaryIPAddresses: null, SecondaryIPv6Addresses: null, EndpointID: '', Gateway: '',
    GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, IPAddress: '', IPPrefixLen: 0, IPv6Gateway: '', MacAddress: '',
    Networks: networks,
  };
}

/** `GET /containers/{id}/json` in Docker's shape. */
export function inspectView(rec: ContainerRecord, paths: { files: EtcFiles; logPath: string; graph: DockerJson; network?: DockerJson }, sizes?: { rw: number; rootFs: number }): DockerJson {
  const st = rec.state;
  const out: DockerJson = {
    Id: rec.id,
    Created: rec.created,
    Path: rec.path,
    Args: rec.args,
    State: {
      Status: st.status,
      Running: st.status === 'running' || st.status === 'paused',
      Paused: st.status === 'paused',
      Restarting: st.status === 'restarting',
      OOMKilled: st.oomKilled,
      Dead: st.status === 'dead',
      Pid: st.pid,
      ExitCode: st.exitCode,
      Error: st.error,
      StartedAt: st.startedAt,
      FinishedAt: st.finishedAt,
      ...(st.health ? { Health: st.health } : {}),
    },
    Image: rec.imageId,
    ResolvConfPath: paths.files.resolvConfPath,
    HostnamePath: paths.files.hostnamePath,
    HostsPath: paths.files.hostsPath,
    LogPath: paths.logPath,
    Name: `/${rec.name}`,
    RestartCount: rec.restartCount,
    Driver: 'overlay2',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: rec.execIds.length ? rec.execIds : null,
    HostConfig: rec.hostConfig,
    GraphDriver: { Data: paths.graph, Name: 'overlay2' },
    Mounts: (rec.mountPoints ?? []).map(mountView),
    Config: { ...rec.config, Image: rec.image },
    NetworkSettings: paths.network ?? networkSettings(rec),
  };
  if (sizes) {
    out.SizeRw = sizes.rw;
    out.SizeRootFs = sizes.rootFs;
  }
  return out;
}

/** One entry of `GET /containers/json`. */
/** `ps`'s Ports list from NetworkSettings.Ports ({"80/tcp": [{HostIp, HostPort}]}). */
function portsList(settings: DockerJson | undefined): DockerJson[] {
  const out: DockerJson[] = [];
  for (const [key, binds] of Object.entries((settings?.Ports ?? {}) as Record<string, { HostIp: string; HostPort: string }[] | null>)) {
    const [port, type] = key.split('/');
    if (!binds?.length) out.push({ PrivatePort: Number(port), Type: type });
    for (const b of binds ?? []) out.push({ IP: b.HostIp, PrivatePort: Number(port), PublicPort: Number(b.HostPort), Type: type });
  }
  return out;
}

export function summaryView(rec: ContainerRecord, network: DockerJson | undefined, sizes?: { rw: number; rootFs: number }): DockerJson {
  const out: DockerJson = {
    Id: rec.id,
    Names: [`/${rec.name}`],
    Image: rec.image,
    ImageID: rec.imageId,
    Command: [rec.path, ...rec.args.map((a) => (a.includes(' ') ? `'${a}'` : a))].join(' '),
    Created: Math.floor(Date.parse(rec.created) / 1000),
    Ports: portsList(network),
    Labels: rec.config.Labels ?? {},
    State: rec.state.status,
    Status: statusText(rec),
    HostConfig: { NetworkMode: rec.hostConfig.NetworkMode },
    NetworkSettings: { Networks: (network ?? networkSettings(rec)).Networks },
    Mounts: (rec.mountPoints ?? []).map(mountView),
  };
  if (sizes) {
    out.SizeRw = sizes.rw;
    out.SizeRootFs = sizes.rootFs;
  }
  return out;
}
