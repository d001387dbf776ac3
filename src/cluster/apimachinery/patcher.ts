/**
 * PATCH for every kind: JSON patch, merge patch, strategic merge patch (built-in kinds only)
 * and server-side apply (which also creates a missing object). Non-apply patches are
 * retried on a concurrent write unless the patch itself pins a resourceVersion.
 */
import { parse as parseYaml } from 'yaml';
import { checkTypeMeta, type WriteContext } from './admission.js';
import { apiVersionOf } from './kind.js';
import { serverSideApply } from './managed-fields.js';
import { deepClone, isPlainObject, type KObject } from './object.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from './patch.js';
import type { ResourceStore } from './resource-store.js';
import { ApiError, badRequest, unsupportedMediaType } from './status.js';

export const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'];

export interface PatchResult {
  object: KObject;
  created: boolean;
}

export function parsePatchBody(contentType: string, body: string): unknown {
  try {
    return contentType === 'application/apply-patch+yaml' ? parseYaml(body) : JSON.parse(body);
  } catch (err) {
    throw badRequest(`error decoding patch: ${(err as Error).message}`);
  }
}

/**
 * `transform` maps the current object to the object the patch applies to and back (the
 * scale subresource patches a Scale); identity otherwise.
 */
export async function patchResource(
  rs: ResourceStore,
  namespace: string | undefined,
  name: string,
  contentType: string,
  rawBody: string,
  ctx: WriteContext,
  opts: { force?: boolean; subresource?: string } = {},
): Promise<PatchResult> {
  const type = contentType.split(';')[0].trim();
  if (!PATCH_TYPES.includes(type)) throw unsupportedMediaType(type);
  if (type === 'application/strategic-merge-patch+json' && !rs.kind.builtin) throw new ApiError(415, 'UnsupportedMediaType', 'strategic merge patch is not supported for custom resources');
  const patch = parsePatchBody(type, rawBody);
  if (type === 'application/apply-patch+yaml') return applyPatch(rs, namespace, name, patch, ctx, opts);
  for (let attempt = 0; ; attempt++) {
    const cur = await rs.get(namespace, name);
    let next: unknown;
    if (type === 'application/json-patch+json') next = applyJsonPatch(cur, patch);
    else if (!isPlainObject(patch)) throw badRequest('patch body must be a JSON object');
    else if (type === 'application/merge-patch+json') next = applyMergePatch(cur, patch);
    else next = applyStrategicMergePatch(cur, patch, rs.kind.schema);
    const pinned = isPlainObject(next) && isPlainObject(next.metadata) && next.metadata.resourceVersion !== cur.metadata.resourceVersion;
    try {
      const object = await rs.update(namespace, name, next, ctx, { subresource: opts.subresource, current: cur });
      return { object, created: false };
    } catch (err) {
      if (err instanceof ApiError && err.code === 409 && err.reason === 'Conflict' && !pinned && attempt < 8) continue;
      throw err;
    }
  }
}

async function applyPatch(rs: ResourceStore, namespace: string | undefined, name: string, patch: unknown, ctx: WriteContext, opts: { force?: boolean; subresource?: string }): Promise<PatchResult> {
  if (!isPlainObject(patch)) throw badRequest('error decoding YAML: the apply patch must be an object');
  if (!patch.apiVersion || !patch.kind) throw badRequest(`${!patch.apiVersion ? 'apiVersion' : 'kind'} must be set in an apply patch`);
  const applied = checkTypeMeta(rs.kind, deepClone(patch));
  if (applied.metadata.name && applied.metadata.name !== name) throw badRequest(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})`);
  if (rs.kind.namespaced && applied.metadata.namespace && applied.metadata.namespace !== namespace)
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  if (!ctx.fieldManager || ctx.fieldManager === 'unknown') throw badRequest('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
  applied.metadata.name = name;
  const id = { manager: ctx.fieldManager, apiVersion: apiVersionOf(rs.kind), subresource: opts.subresource };
  for (let attempt = 0; ; attempt++) {
    const cur = await rs.tryGet(namespace, name);
    if (!cur) {
      const created = serverSideApply(undefined, applied, rs.kind.schema, id, { force: true });
      try {
        return { object: await rs.create(namespace, created, ctx, { prepared: true }), created: true };
      } catch (err) {
        if (err instanceof ApiError && err.reason === 'AlreadyExists' && attempt < 8) continue;
        throw err;
      }
    }
    const merged = serverSideApply(cur, applied, rs.kind.schema, id, { force: opts.force ?? false });
    try {
      return { object: await rs.update(namespace, name, merged, ctx, { prepared: true, current: cur, subresource: opts.subresource }), created: false };
    } catch (err) {
      if (err instanceof ApiError && err.code === 409 && err.reason === 'Conflict' && !applied.metadata.resourceVersion && attempt < 8 && !err.details?.causes?.some((c) => c.reason === 'FieldManagerConflict')) continue;
      throw err;
    }
  }
}
