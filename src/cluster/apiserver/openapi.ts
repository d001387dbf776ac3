/**
 * OpenAPI v3 (per group-version) and v2 documents generated from the kinds' schemas.
 * Each kind's PATCH operation carries x-kubernetes-group-version-kind and declares the
 * fieldValidation parameter, which tells kubectl that the server validates fields itself.
 */
import { createHash } from 'node:crypto';
import { apiVersionOf, type KindDef } from '../apimachinery/kind.js';
import { isPlainObject } from '../apimachinery/object.js';
import { schemaName, type Schema } from '../apimachinery/schema.js';
import type { ApiRegistry } from './api-registry.js';

type Json = Record<string, unknown>;
const SERVER_VERSION = 'v1.32.4';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

const commonSchemas: Record<string, Json> = {
  [`${META}.Status`]: { type: 'object', description: 'Status is a return value for calls that don\'t return other objects.', properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, code: { type: 'integer', format: 'int32' }, message: { type: 'string' }, reason: { type: 'string' }, status: { type: 'string' }, details: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, metadata: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } }, 'x-kubernetes-group-version-kind': [{ group: '', kind: 'Status', version: 'v1' }] },
  [`${META}.DeleteOptions`]: { type: 'object', description: 'DeleteOptions may be provided when deleting an API object.', properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, dryRun: { type: 'array', items: { type: 'string' } }, gracePeriodSeconds: { type: 'integer', format: 'int64' }, orphanDependents: { type: 'boolean' }, preconditions: { type: 'object', properties: { resourceVersion: { type: 'string' }, uid: { type: 'string' } } }, propagationPolicy: { type: 'string' } } },
  [`${META}.Patch`]: { type: 'object', description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.' },
  [`${META}.ListMeta`]: { type: 'object', description: 'ListMeta describes metadata that synthetic resources must have.', properties: { continue: { type: 'string' }, remainingItemCount: { type: 'integer', format: 'int64' }, resourceVersion: { type: 'string' }, selfLink: { type: 'string' } } },
  [`${META}.WatchEvent`]: { type: 'object', description: 'Event represents a single event to a watched resource.', properties: { type: { type: 'string' }, object: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } }, required: ['type', 'object'] },
  'io.k8s.api.autoscaling.v1.Scale': { type: 'object', description: 'Scale represents a scaling request for a resource.', properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { $ref: `#/components/schemas/${META}.ObjectMeta` }, spec: { type: 'object', properties: { replicas: { type: 'integer', format: 'int32', description: 'desired number of instances for the scaled object.' } } }, status: { type: 'object', properties: { replicas: { type: 'integer', format: 'int32' }, selector: { type: 'string' } } } }, 'x-kubernetes-group-version-kind': [{ group: 'autoscaling', kind: 'Scale', version: 'v1' }] },
};

class SchemaEmitter {
  readonly components: Record<string, Json> = {};
  constructor(private readonly refPrefix: string) {}

  ref(name: string): Json {
    return { $ref: `${this.refPrefix}${name}` };
  }

  /** Emits `s`, hoisting named sub-schemas into components. */
  emit(s: Schema, root = false): Json {
    const name = schemaName(s);
    if (name && !root) {
      if (!this.components[name]) {
        this.components[name] = {};
        this.components[name] = this.emit(s, true);
      }
      return this.ref(name);
    }
    const out: Json = {};
    for (const [k, v] of Object.entries(s)) {
      if (v === undefined) continue;
      if (k === 'properties' && isPlainObject(v)) out.properties = Object.fromEntries(Object.entries(v as Record<string, Schema>).map(([pk, ps]) => [pk, this.emit(ps)]));
      else if ((k === 'items' || k === 'additionalProperties' || k === 'not') && isPlainObject(v)) out[k] = this.emit(v as Schema);
      else if ((k === 'allOf' || k === 'anyOf' || k === 'oneOf') && Array.isArray(v)) out[k] = (v as Schema[]).map((x) => this.emit(x));
      else out[k] = v;
    }
    return out;
  }

  /** The kind's root schema, tagged with its GVK; returns its component name. */
  kind(k: KindDef): string {
    const name = schemaName(k.schema) ?? `${k.group || 'core'}.${k.version}.${k.kind}`;
    this.components[name] = { ...this.emit(k.schema, true), 'x-kubernetes-group-version-kind': [{ group: k.group, kind: k.kind, version: k.version }] };
    const listName = `${name}List`;
    this.components[listName] = {
      type: 'object',
      description: `${k.listKind ?? `${k.kind}List`} is a list of ${k.kind}.`,
      required: ['items'],
      properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, items: { type: 'array', items: this.ref(name) }, metadata: this.ref(`${META}.ListMeta`) },
      'x-kubernetes-group-version-kind': [{ group: k.group, kind: k.listKind ?? `${k.kind}List`, version: k.version }],
    };
    return name;
  }
}

const q = (name: string, description: string, type = 'string'): Json => ({ name, in: 'query', description, schema: { type, uniqueItems: true } });
const writeParams = (): Json[] => [
  q('dryRun', 'When present, indicates that modifications should not be persisted.'),
  q('fieldManager', 'fieldManager is a name associated with the actor or entity that is making these changes.'),
  q('fieldValidation', 'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values are: Ignore, Warn, Strict.'),
];
const listParams = (): Json[] => ['allowWatchBookmarks', 'continue', 'fieldSelector', 'labelSelector', 'limit', 'resourceVersion', 'resourceVersionMatch', 'sendInitialEvents', 'timeoutSeconds', 'watch'].map((n) => q(n, n, ['limit', 'timeoutSeconds'].includes(n) ? 'integer' : ['watch', 'allowWatchBookmarks', 'sendInitialEvents'].includes(n) ? 'boolean' : 'string'));

function operations(k: KindDef, schemaRef: (n: string) => Json, name: string, v2: boolean): Record<string, Json> {
  const gvk = { group: k.group, version: k.version, kind: k.kind };
  const body = (ref: Json, types = ['application/json']): Json =>
    v2 ? { parameters: [{ name: 'body', in: 'body', required: true, schema: ref }] } : { requestBody: { required: true, content: Object.fromEntries(types.map((t) => [t, { schema: ref }])) } };
  const resp = (ref: Json): Json => (v2 ? { responses: { '200': { description: 'OK', schema: ref } } } : { responses: { '200': { description: 'OK', content: { 'application/json': { schema: ref } } } } });
  const op = (action: string, extra: Json, params: Json[] = []): Json => {
    const o: Json = { description: `${action} ${k.kind}`, operationId: `${action}${k.kind}`, 'x-kubernetes-action': action, 'x-kubernetes-group-version-kind': gvk, ...extra };
    const b = (o.parameters as Json[] | undefined) ?? [];
    o.parameters = [...b, ...params.map((p) => (v2 ? { name: p.name, in: 'query', type: (p.schema as Json).type, uniqueItems: true, description: p.description } : p))];
    return o;
  };
  const ns = k.namespaced ? `/namespaces/{namespace}` : '';
  const base = `/${k.group ? `apis/${k.group}` : 'api'}/${k.version}${ns}/${k.plural}`;
  const pathParams = (withName: boolean): Json[] =>
    [...(withName ? [{ name: 'name', in: 'path', required: true, description: `name of the ${k.kind}` }] : []), ...(k.namespaced ? [{ name: 'namespace', in: 'path', required: true, description: 'object name and auth scope' }] : [])].map((p) => (v2 ? { ...p, type: 'string', uniqueItems: true } : { ...p, schema: { type: 'string', uniqueItems: true } }));
  const patchTypes = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'];
  const paths: Record<string, Json> = {
    [base]: {
      get: op('list', resp(schemaRef(`${name}List`)), listParams()),
      post: op('post', { ...body(schemaRef(name)), ...resp(schemaRef(name)) }, writeParams()),
      delete: op('deletecollection', resp(schemaRef(`${META}.Status`)), listParams()),
      parameters: pathParams(false),
    },
    [`${base}/{name}`]: {
      get: op('get', resp(schemaRef(name))),
      put: op('put', { ...body(schemaRef(name)), ...resp(schemaRef(name)) }, writeParams()),
      patch: op('patch', { ...body(schemaRef(`${META}.Patch`), patchTypes), ...resp(schemaRef(name)) }, [...writeParams(), q('force', 'Force is going to "force" Apply requests.', 'boolean')]),
      delete: op('delete', resp(schemaRef(`${META}.Status`)), [q('gracePeriodSeconds', 'grace period', 'integer'), q('propagationPolicy', 'propagation policy'), q('dryRun', 'dry run')]),
      parameters: pathParams(true),
    },
  };
  if (k.status) paths[`${base}/{name}/status`] = { get: op('get', resp(schemaRef(name))), put: op('put', { ...body(schemaRef(name)), ...resp(schemaRef(name)) }, writeParams()), patch: op('patch', { ...body(schemaRef(`${META}.Patch`), patchTypes), ...resp(schemaRef(name)) }, writeParams()), parameters: pathParams(true) };
  if (k.scale) {
    const scale = schemaRef('io.k8s.api.autoscaling.v1.Scale');
    const sgvk = { group: 'autoscaling', version: 'v1', kind: 'Scale' };
    paths[`${base}/{name}/scale`] = {
      get: { ...op('get', resp(scale)), 'x-kubernetes-group-version-kind': sgvk },
      put: { ...op('put', { ...body(scale), ...resp(scale) }, writeParams()), 'x-kubernetes-group-version-kind': sgvk },
      patch: { ...op('patch', { ...body(schemaRef(`${META}.Patch`), patchTypes), ...resp(scale) }, writeParams()), 'x-kubernetes-group-version-kind': sgvk },
      parameters: pathParams(true),
    };
  }
  return paths;
}

export interface OpenApiCache {
  generation: number;
  v3: Map<string, { doc: string; hash: string }>;
  v2?: string;
}

const gvPath = (group: string, version: string): string => (group ? `apis/${group}/${version}` : `api/${version}`);

export function openApiV3Doc(reg: ApiRegistry, group: string, version: string): Json {
  const em = new SchemaEmitter('#/components/schemas/');
  let paths: Record<string, Json> = {};
  for (const rs of reg.resourcesOf(group, version)) {
    const name = em.kind(rs.kind);
    paths = { ...paths, ...operations(rs.kind, (n) => em.ref(n), name, false) };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: SERVER_VERSION },
    paths,
    components: { schemas: { ...commonSchemas, ...em.components }, securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } } },
  };
}

export function openApiV3Index(reg: ApiRegistry, cache: OpenApiCache): Json {
  const paths: Record<string, Json> = {};
  for (const g of reg.groups())
    for (const v of g.versions) {
      const key = gvPath(g.group, v);
      paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${v3Entry(reg, cache, g.group, v).hash}` };
    }
  return { paths };
}

/** Cached, hashed v3 document of one group-version. */
export function v3Entry(reg: ApiRegistry, cache: OpenApiCache, group: string, version: string): { doc: string; hash: string } {
  if (cache.generation !== reg.generation) {
    cache.v3.clear();
    cache.v2 = undefined;
    cache.generation = reg.generation;
  }
  const key = gvPath(group, version);
  let e = cache.v3.get(key);
  if (!e) {
    const doc = JSON.stringify(openApiV3Doc(reg, group, version));
    e = { doc, hash: createHash('sha512').update(doc).digest('hex').toUpperCase() };
    cache.v3.set(key, e);
  }
  return e;
}

export function openApiV2Doc(reg: ApiRegistry, cache: OpenApiCache): string {
  if (cache.generation !== reg.generation) {
    cache.v3.clear();
    cache.generation = reg.generation;
    cache.v2 = undefined;
  }
  if (cache.v2) return cache.v2;
  const em = new SchemaEmitter('#/definitions/');
  let paths: Record<string, Json> = {};
  for (const rs of reg.all()) {
    const name = em.kind(rs.kind);
    paths = { ...paths, ...operations(rs.kind, (n) => em.ref(n), name, true) };
  }
  const fixRefs = (s: string): string => s.replaceAll('#/components/schemas/', '#/definitions/');
  cache.v2 = fixRefs(JSON.stringify({ swagger: '2.0', info: { title: 'Kubernetes', version: SERVER_VERSION }, paths, definitions: { ...commonSchemas, ...em.components } }));
  return cache.v2;
}

export { apiVersionOf };
