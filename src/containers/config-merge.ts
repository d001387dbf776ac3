import { availableParallelism } from 'node:os';
import { invalidParameter } from '../common/errors.js';
import type { ImageRuntimeConfig } from '../images/types.js';
import type { ContainerCreateBody, DockerJson } from './container-service.js';

export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const CONFIG_KEYS = [
  'Hostname', 'Domainname', 'User', 'AttachStdin', 'AttachStdout', 'AttachStderr', 'ExposedPorts', 'Tty',
  'OpenStdin', 'StdinOnce', 'Env', 'Cmd', 'Healthcheck', 'ArgsEscaped', 'Image', 'Volumes', 'WorkingDir',
  'Entrypoint', 'NetworkDisabled', 'MacAddress', 'OnBuild', 'Labels', 'StopSignal', 'StopTimeout', 'Shell',
] as const;

function toList(v: unknown): string[] | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.map(String);
  throw invalidParameter('json: cannot unmarshal value into a string list');
}

/** Merges env lists the way Docker does: later entries replace earlier ones with the same key, in place. */
export function mergeEnv(base: string[], over: string[]): string[] {
  const out = [...base];
  for (const kv of over) {
    const key = kv.split('=')[0];
    const i = out.findIndex((e) => e.split('=')[0] === key);
    if (i >= 0) out[i] = kv;
    else out.push(kv);
  }
  return out;
}

/**
 * Applies the image's defaults to a create body's Config, with Docker's rules: a user
 * entrypoint drops the image's Cmd; env and labels merge key by key; the rest fall back.
 */
export function mergeImageConfig(body: ContainerCreateBody, image: ImageRuntimeConfig): DockerJson {
  const cfg: DockerJson = {};
  for (const k of CONFIG_KEYS) if (body[k] !== undefined) cfg[k] = body[k];
  let entrypoint = toList(body.Entrypoint);
  let cmd = toList(body.Cmd);
  // `--entrypoint ""` arrives as [""]: it clears the image's entrypoint.
  if (entrypoint && entrypoint.length === 1 && entrypoint[0] === '') entrypoint = [];
  if (!entrypoint || entrypoint.length === 0) {
    if (!cmd || cmd.length === 0) cmd = image.Cmd ?? null;
    if (entrypoint === null) entrypoint = image.Entrypoint ?? null;
  }
  cfg.Entrypoint = entrypoint && entrypoint.length ? entrypoint : null;
  cfg.Cmd = cmd && cmd.length ? cmd : null;
  cfg.Env = mergeEnv(image.Env ?? [], toList(body.Env) ?? []);
  if (!cfg.Env.some((e: string) => e.startsWith('PATH='))) cfg.Env.unshift(DEFAULT_PATH);
  cfg.Labels = { ...(image.Labels ?? {}), ...(body.Labels ?? {}) };
  // dockerd omits an empty ExposedPorts and shows an empty Volumes as null.
  const ports = { ...(image.ExposedPorts ?? {}), ...(body.ExposedPorts ?? {}) };
  if (Object.keys(ports).length) cfg.ExposedPorts = ports;
  else delete cfg.ExposedPorts;
  const volumes = { ...(image.Volumes ?? {}), ...(body.Volumes ?? {}) };
  cfg.Volumes = Object.keys(volumes).length ? volumes : null;
  cfg.WorkingDir = body.WorkingDir || image.WorkingDir || '';
  cfg.User = body.User || image.User || '';
  cfg.StopSignal = body.StopSignal || image.StopSignal || undefined;
  if (!body.Healthcheck && image.Healthcheck) cfg.Healthcheck = image.Healthcheck;
  if (image.OnBuild && image.OnBuild.length) cfg.OnBuild = image.OnBuild;
  for (const k of ['AttachStdin', 'AttachStdout', 'AttachStderr', 'Tty', 'OpenStdin', 'StdinOnce'] as const) cfg[k] = Boolean(cfg[k]);
  cfg.Hostname = cfg.Hostname ?? '';
  cfg.Domainname = cfg.Domainname ?? '';
  return cfg;
}

const RESTART_POLICIES = new Set(['', 'no', 'always', 'unless-stopped', 'on-failure']);

/** Rejects HostConfig settings dockerd rejects, with its messages; returns a normalised copy. */
export function validateHostConfig(hc: DockerJson | undefined): DockerJson {
  const h: DockerJson = { ...(hc ?? {}) };
  const rp = h.RestartPolicy ?? { Name: '' };
  const name = rp.Name ?? '';
  if (!RESTART_POLICIES.has(name)) throw invalidParameter(`invalid restart policy: unknown policy '${name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`);
  if (rp.MaximumRetryCount && name !== 'on-failure') throw invalidParameter(`invalid restart policy: maximum retry count can only be used with 'on-failure'`);
  if ((rp.MaximumRetryCount ?? 0) < 0) throw invalidParameter('invalid restart policy: maximum retry count must be a positive integer');
  h.RestartPolicy = { Name: name === '' ? 'no' : name, MaximumRetryCount: rp.MaximumRetryCount ?? 0 };
  if (h.AutoRemove && h.RestartPolicy.Name !== 'no') throw invalidParameter("can't create 'AutoRemove' container with restart policy");
  if (h.Memory && h.Memory > 0 && h.Memory < 6 * 1024 * 1024) throw invalidParameter('Minimum memory limit allowed is 6MB');
  if (h.MemorySwap && h.MemorySwap > 0 && h.Memory && h.MemorySwap < h.Memory) throw invalidParameter('Minimum memoryswap limit should be larger than memory limit, see usage');
  const ncpu = availableParallelism();
  if (h.NanoCpus) {
    if (h.CpuQuota || h.CpuPeriod) throw invalidParameter('Conflicting options: Nano CPUs and CPU Period cannot both be set');
    if (h.NanoCpus < 0 || h.NanoCpus > ncpu * 1e9) throw invalidParameter(`Range of CPUs is from 0.01 to ${ncpu}.00, as there are only ${ncpu} CPUs available`);
  }
  if (h.PidsLimit !== undefined && h.PidsLimit !== null && h.PidsLimit < 0) h.PidsLimit = 0;
  // -1 (the CLI's "not set") is recorded as unset, as dockerd does: inspect shows null.
  if (h.MemorySwappiness === undefined || h.MemorySwappiness === -1) h.MemorySwappiness = null;
  h.NetworkMode = h.NetworkMode || 'default';
  return h;
}

/** The process to run: Docker's Path and Args. */
export function commandOf(cfg: DockerJson): { path: string; args: string[] } {
  const argv = [...(cfg.Entrypoint ?? []), ...(cfg.Cmd ?? [])];
  if (argv.length === 0) throw invalidParameter('No command specified');
  return { path: argv[0], args: argv.slice(1) };
}
