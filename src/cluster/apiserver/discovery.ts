/**
 * Discovery documents: /api, /apis, /apis/GROUP, /api(s)/.../VERSION resource lists, and
 * the aggregated form (apidiscovery.k8s.io/v2) that lets kubectl learn everything at once.
 */
import { createHash } from 'node:crypto';
import { apiVersionOf, DEFAULT_VERBS, type KindDef } from '../apimachinery/kind.js';
import type { ApiRegistry } from './api-registry.js';

export const AGGREGATED_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

interface SubresourceEntry {
  name: string;
  kind: string;
  group?: string;
  version?: string;
  verbs: string[];
}

function subresourcesOf(k: KindDef): SubresourceEntry[] {
  const subs: SubresourceEntry[] = [];
  if (k.status) subs.push({ name: 'status', kind: k.kind, verbs: ['get', 'patch', 'update'] });
  if (k.scale) subs.push({ name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] });
  if (k.kind === 'Namespace') subs.push({ name: 'finalize', kind: 'Namespace', verbs: ['update'] });
  for (const s of k.extraSubresources ?? []) subs.push({ name: s.name, kind: s.kind, verbs: s.verbs });
  return subs;
}

const storageVersionHash = (k: KindDef): string => createHash('sha256').update(`${k.group}/${k.version}/${k.kind}`).digest('base64').slice(0, 11);

export function apiVersions(serverAddress: string): unknown {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function groupEntry(group: string, versions: string[]): unknown {
  const gv = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { name: group, versions: gv, preferredVersion: gv[0] };
}

export function apiGroupList(reg: ApiRegistry): unknown {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: reg.groups().filter((g) => g.group !== '').map((g) => groupEntry(g.group, g.versions)) };
}

export function apiGroup(reg: ApiRegistry, group: string): unknown | undefined {
  const g = reg.groups().find((x) => x.group === group && group !== '');
  return g ? { kind: 'APIGroup', apiVersion: 'v1', ...(groupEntry(g.group, g.versions) as object) } : undefined;
}

export function apiResourceList(reg: ApiRegistry, group: string, version: string): unknown | undefined {
  const stores = reg.resourcesOf(group, version);
  if (stores.length === 0) return undefined;
  const resources: unknown[] = [];
  for (const { kind: k } of stores) {
    const r: Record<string, unknown> = { name: k.plural, singularName: k.singular, namespaced: k.namespaced, kind: k.kind, verbs: k.verbs ?? DEFAULT_VERBS };
    if (k.shortNames?.length) r.shortNames = k.shortNames;
    if (k.categories?.length) r.categories = k.categories;
    r.storageVersionHash = storageVersionHash(k);
    resources.push(r);
    for (const s of subresourcesOf(k)) {
      const sr: Record<string, unknown> = { name: `${k.plural}/${s.name}`, singularName: '', namespaced: k.namespaced, kind: s.kind, verbs: s.verbs };
      if (s.group) sr.group = s.group;
      if (s.version) sr.version = s.version;
      resources.push(sr);
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}

/** The aggregated discovery document for the core group ("/api") or all groups ("/apis"). */
export function aggregatedDiscovery(reg: ApiRegistry, core: boolean): unknown {
  const items = reg
    .groups()
    .filter((g) => (g.group === '') === core)
    .map((g) => ({
      metadata: core ? { creationTimestamp: null } : { name: g.group, creationTimestamp: null },
      versions: g.versions.map((v) => ({
        version: v,
        resources: reg.resourcesOf(g.group, v).map(({ kind: k }) => {
          const r: Record<string, unknown> = {
            resource: k.plural,
            responseKind: { group: k.group, version: k.version, kind: k.kind },
            scope: k.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: k.singular,
            verbs: k.verbs ?? DEFAULT_VERBS,
          };
          if (k.shortNames?.length) r.shortNames = k.shortNames;
          if (k.categories?.length) r.categories = k.categories;
          const subs = subresourcesOf(k);
          if (subs.length)
            r.subresources = subs.map((s) => ({ subresource: s.name, responseKind: { group: s.group ?? k.group, version: s.version ?? k.version, kind: s.kind }, verbs: s.verbs }));
          return r;
        }),
        freshness: 'Current',
      })),
    }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
}

export function wantsAggregated(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((p) => p.includes('as=APIGroupDiscoveryList') && p.includes('g=apidiscovery.k8s.io') && /v=v2(;|$)/.test(p.replace(/\s/g, '')) && p.trim().startsWith('application/json'));
}

export const gvOf = (k: KindDef): string => apiVersionOf(k);
