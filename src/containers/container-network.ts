import { conflict } from '../common/errors.js';
import { attachOptionsFrom } from '../networks/index.js';
import type { SpecInput } from '../runtime/runtime.js';
import type { ContainerContext } from './container-context.js';
import type { ContainerRecord } from './container-record.js';
import type { DockerJson } from './container-service.js';

export interface ContainerNetworking {
  network: SpecInput['network'];
  /** /etc/hosts lines after the localhost block. */
  hostsEntries?: string[];
  /** The whole resolv.conf, when networking decides it. */
  resolvConf?: string;
  /**
   * Settles when the container's interfaces, routes and port rules are in place: they are made
   * while the runtime creates the container, and its process must not start before. Rejects
   * (with everything undone) if they could not be made.
   */
  ready: Promise<void>;
}

/** Joins the container to its networks before its process starts. */
export async function attachNetworks(ctx: ContainerContext, rec: ContainerRecord): Promise<ContainerNetworking> {
  const mode: string = rec.hostConfig.NetworkMode ?? 'default';
  const nets = ctx.deps.networks;
  let joinNetnsPath: string | undefined;
  if (mode.startsWith('container:')) {
    const other = ctx.store.get(mode.slice('container:'.length));
    if (other.state.status !== 'running') throw conflict(`cannot join network of a non running container: ${other.id}`);
    joinNetnsPath = `/proc/${other.state.pid}/ns/net`;
  }
  if (!nets) {
    return { network: mode === 'host' ? { mode: 'host' } : joinNetnsPath ? { mode: 'path', path: joinNetnsPath } : { mode: 'new' }, ready: Promise.resolve() };
  }
  const { result: res, ready } = await nets.attachEarly(rec.id, { ...attachOptionsFrom({ ...rec, networkingConfig: endpointsFor(rec) }), joinNetnsPath });
  const network: SpecInput['network'] = res.netnsPath ? { mode: 'path', path: res.netnsPath } : mode === 'host' ? { mode: 'host' } : { mode: 'new' };
  return { network, hostsEntries: res.hostsEntries, resolvConf: res.resolvConf, ready };
}

export async function detachNetworks(ctx: ContainerContext, rec: ContainerRecord): Promise<void> {
  await ctx.deps.networks?.detach(rec.id).catch(() => {});
}

/** A network named by NetworkMode must exist at create (dockerd: 404 "network X not found"). */
export async function checkNetworkMode(ctx: ContainerContext, mode: string): Promise<void> {
  if (/^(default|none|host|bridge)$/.test(mode) || mode.startsWith('container:')) return;
  if (!ctx.deps.networks) throw conflict(`network ${mode} not found`);
  await ctx.deps.networks.inspect(mode);
}

/**
 * The docker CLI names the default network "default" in EndpointsConfig as well as in
 * NetworkMode; both mean the `bridge` network.
 */
function endpointsFor(rec: ContainerRecord): DockerJson {
  const eps: DockerJson | undefined = rec.networkingConfig?.EndpointsConfig ?? undefined;
  if (!eps || !('default' in eps)) return rec.networkingConfig ?? {};
  const { default: dflt, ...rest } = eps;
  return { ...rec.networkingConfig, EndpointsConfig: { bridge: dflt, ...rest } };
}

/** Docker's NetworkSettings for inspect and ps. */
export function networkSettingsOf(ctx: ContainerContext, rec: ContainerRecord): DockerJson | undefined {
  return ctx.deps.networks?.settings(rec.id, rec.hostConfig.NetworkMode ?? 'default', endpointsFor(rec).EndpointsConfig ?? null);
}
