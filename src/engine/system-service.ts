import { availableParallelism, hostname, release, totalmem } from 'node:os';
import { statfs } from 'node:fs/promises';
import type { ContainerManager } from '../containers/container-manager.js';
import type { ImageService } from '../images/image-service.js';
import type { SystemService } from './engine.js';
import { API_VERSION, MIN_API_VERSION, WHARF_VERSION } from './version.js';

function osName(): string {
  return 'Debian GNU/Linux';
}

/** `/info`, `/version` and `/system/df` in Docker's shapes, from the engine's own state. */
export class EngineSystem implements SystemService {
  constructor(
    private readonly o: { dataRoot: string; id: string; containers: ContainerManager; images: ImageService; runtimeName: string; cgroupVersion: '1' | '2'; loggingDriver: string },
  ) {}

  async info(): Promise<Record<string, any>> {
    const all = this.o.containers.ctx.store.all();
    const count = (s: string) => all.filter((c) => c.state.status === s).length;
    const images = await this.o.images.list({ all: true });
    return {
      ID: this.o.id,
      Containers: all.length,
      ContainersRunning: count('running'),
      ContainersPaused: count('paused'),
      ContainersStopped: all.length - count('running') - count('paused'),
      Images: images.length,
      Driver: 'overlay2',
      DriverStatus: [['Backing Filesystem', 'extfs'], ['Supports d_type', 'true'], ['Using metacopy', 'false'], ['Native Overlay Diff', 'true']],
      Plugins: { Volume: ['local'], Network: ['host', 'null'], Authorization: null, Log: ['json-file', 'local'] },
      MemoryLimit: true,
      SwapLimit: true,
      CpuCfsPeriod: true,
      CpuCfsQuota: true,
      CPUShares: true,
      CPUSet: true,
      PidsLimit: true,
      IPv4Forwarding: true,
      Debug: false,
      NFd: 0,
      OomKillDisable: this.o.cgroupVersion === '1',
      NGoroutines: 0,
      SystemTime: new Date().toISOString(),
      LoggingDriver: this.o.loggingDriver,
      CgroupDriver: 'cgroupfs',
      CgroupVersion: this.o.cgroupVersion,
      NEventsListener: 0,
      KernelVersion: release(),
      OperatingSystem: osName(),
      OSVersion: '12',
      OSType: 'linux',
      Architecture: process.arch === 'x64' ? 'x86_64' : process.arch,
      IndexServerAddress: 'https://index.docker.io/v1/',
      RegistryConfig: { AllowNondistributableArtifactsCIDRs: [], AllowNondistributableArtifactsHostnames: [], InsecureRegistryCIDRs: ['127.0.0.0/8'], IndexConfigs: {}, Mirrors: [] },
      NCPU: availableParallelism(),
      MemTotal: totalmem(),
      DockerRootDir: this.o.dataRoot,
      Name: hostname(),
      Labels: [],
      ExperimentalBuild: false,
      ServerVersion: WHARF_VERSION,
      Runtimes: { [this.o.runtimeName]: { path: this.o.runtimeName } },
      DefaultRuntime: this.o.runtimeName,
      Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
      LiveRestoreEnabled: true,
      Isolation: '',
      InitBinary: 'docker-init',
      ContainerdCommit: { ID: '' },
      RuncCommit: { ID: '' },
      InitCommit: { ID: '' },
      SecurityOptions: ['name=seccomp,profile=builtin', `name=cgroupns`],
      Warnings: [],
    };
  }

  async version(): Promise<Record<string, any>> {
    const arch = process.arch === 'x64' ? 'amd64' : process.arch;
    return {
      Platform: { Name: 'Wharf Engine' },
      Components: [{ Name: 'Engine', Version: WHARF_VERSION, Details: { ApiVersion: API_VERSION, Arch: arch, MinAPIVersion: MIN_API_VERSION, Os: 'linux', KernelVersion: release(), GoVersion: `node${process.versions.node}` } }],
      Version: WHARF_VERSION,
      ApiVersion: API_VERSION,
      MinAPIVersion: MIN_API_VERSION,
      GitCommit: '',
      GoVersion: `node${process.versions.node}`,
      Os: 'linux',
      Arch: arch,
      KernelVersion: release(),
      BuildTime: '',
    };
  }

  async df(): Promise<Record<string, any>> {
    const images = await this.o.images.list({ all: true });
    const containers = await this.o.containers.list({ all: true, size: true });
    const used = new Map<string, number>();
    for (const c of containers) used.set(c.ImageID, (used.get(c.ImageID) ?? 0) + 1);
    let layersSize = 0;
    for (const i of images) layersSize += i.size;
    void statfs;
    return {
      LayersSize: layersSize,
      Images: images.map((i) => ({
        Id: i.id, ParentId: i.parent ?? '', RepoTags: i.repoTags, RepoDigests: i.repoDigests,
        Created: Math.floor(Date.parse(i.config.created ?? i.loaded) / 1000), Size: i.size, SharedSize: -1, VirtualSize: i.size,
        Labels: i.config.config?.Labels ?? {}, Containers: used.get(i.id) ?? 0,
      })),
      Containers: containers,
      Volumes: [],
      BuildCache: [],
    };
  }
}
