import { mkdir, rm } from 'node:fs/promises';
import { newId } from '../common/ids.js';
import { invalidParameter } from '../common/errors.js';
import type { ContainerContext } from './container-context.js';
import type { ContainerRecord } from './container-record.js';
import { newState } from './container-record.js';
import type { ContainerCreateBody, DockerJson } from './container-service.js';
import { commandOf, mergeImageConfig, validateHostConfig } from './config-merge.js';
import { generateName } from './names.js';
import { prepareMounts, removeAnonymousVolumes } from './container-volumes.js';
import { checkNetworkMode } from './container-network.js';
import { effectiveSwap } from './update-plan.js';
import { detectCgroups } from '../runtime/cgroups.js';
import { realtimeSupported } from '../runtime/realtime-budget.js';
import { mergeLogConfig, validateLogConfig } from '../logging/index.js';

/**
 * `docker create`: validate, resolve the image, merge its defaults, reserve the name,
 * prepare the writable layer and /etc files, then save the record — the record is
 * written last, so a crash part-way leaves nothing a restart would show as a container.
 */
export async function createContainer(ctx: ContainerContext, body: ContainerCreateBody, opts: { name?: string }): Promise<{ Id: string; Warnings: string[] }> {
  if (!body || typeof body !== 'object') throw invalidParameter('config cannot be empty in order to create a container');
  if (!body.Image) throw invalidParameter('No image specified');
  const hostConfig = validateHostConfig(body.HostConfig);
  const warnings = checkRealtime(hostConfig);
  hostConfig.LogConfig = mergeLogConfig(hostConfig.LogConfig, ctx.deps.defaultLogConfig);
  validateLogConfig(hostConfig.LogConfig);
  // Docker records the swap limit a memory limit gets by default (twice the memory, or
  // unlimited where swap cannot be limited), and inspect shows it.
  if (hostConfig.Memory > 0 && !hostConfig.MemorySwap) hostConfig.MemorySwap = effectiveSwap(hostConfig, detectCgroups());
  await checkNetworkMode(ctx, hostConfig.NetworkMode);
  if (hostConfig.NetworkMode.startsWith('container:')) ctx.store.get(hostConfig.NetworkMode.slice('container:'.length));
  const image = await ctx.deps.images.get(body.Image);
  const config = mergeImageConfig(body, image.config.config ?? {});
  const { path, args } = commandOf(config);
  const id = newId();
  const name = opts.name ? opts.name.replace(/^\//, '') : generateName((n) => ctx.store.hasName(n));
  ctx.store.reserveName(name, id);
  config.Hostname = config.Hostname || id.slice(0, 12);
  config.Image = body.Image;
  const rec: ContainerRecord = {
    id,
    name,
    created: new Date().toISOString(),
    image: body.Image,
    imageId: image.id,
    path,
    args,
    config,
    hostConfig,
    networkingConfig: body.NetworkingConfig ?? {},
    state: newState(),
    restartCount: 0,
    manuallyStopped: false,
    hasBeenStarted: false,
    execIds: [],
  };
  const dir = ctx.dir(id);
  try {
    rec.mountPoints = await prepareMounts(ctx, hostConfig, config.Volumes);
    await mkdir(dir, { recursive: true, mode: 0o710 });
    await ctx.deps.snapshotter.ensureLayers(image);
    await ctx.deps.snapshotter.createContainerLayer(id, image);
    await ctx.save(rec, true);
  } catch (err) {
    ctx.store.releaseName(name, id);
    await removeAnonymousVolumes(ctx, rec);
    await ctx.deps.snapshotter.removeContainerLayer(id).catch(() => {});
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  ctx.emitEvent(rec, 'create');
  return { Id: id, Warnings: warnings };
}

/** dockerd's checks of --cpu-rt-period/--cpu-rt-runtime: dropped with a warning where the kernel cannot. */
function checkRealtime(h: DockerJson): string[] {
  if (!h.CpuRealtimePeriod && !h.CpuRealtimeRuntime) return [];
  if (!realtimeSupported(detectCgroups())) {
    h.CpuRealtimePeriod = 0;
    h.CpuRealtimeRuntime = 0;
    return ['Your kernel does not support CPU real-time scheduler'];
  }
  if (h.CpuRealtimePeriod && h.CpuRealtimeRuntime && h.CpuRealtimeRuntime > h.CpuRealtimePeriod) {
    throw invalidParameter('cpu real-time runtime cannot be higher than cpu real-time period');
  }
  return [];
}
