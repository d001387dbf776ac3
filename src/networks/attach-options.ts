import type { AttachOptions, EndpointSettings, PortBindings } from './types.js';

type Json = Record<string, any>;

/**
 * AttachOptions from a container's Docker-shaped create input (Config, HostConfig,
 * NetworkingConfig), so the container service's wiring is one call:
 *   networks.attach(rec.id, attachOptionsFrom(rec))
 * `joinNetnsPath` is the caller's to fill for `container:NAME`.
 */
export function attachOptionsFrom(c: { name: string; config: Json; hostConfig: Json; networkingConfig?: Json | null }): AttachOptions {
  const hc = c.hostConfig ?? {};
  const cfg = c.config ?? {};
  return {
    name: c.name.replace(/^\//, ''),
    hostname: cfg.Hostname || undefined,
    networkMode: hc.NetworkMode || 'default',
    endpointsConfig: (c.networkingConfig?.EndpointsConfig ?? null) as Record<string, EndpointSettings> | null,
    mac: cfg.MacAddress || undefined,
    portBindings: (hc.PortBindings ?? null) as PortBindings | null,
    publishAll: !!hc.PublishAllPorts,
    exposedPorts: cfg.ExposedPorts ?? null,
    dns: hc.Dns ?? null,
    dnsSearch: hc.DnsSearch ?? null,
    dnsOptions: hc.DnsOptions ?? null,
    extraHosts: hc.ExtraHosts ?? null,
  };
}
