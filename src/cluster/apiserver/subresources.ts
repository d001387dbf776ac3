/**
 * The scale subresource (autoscaling/v1 Scale over a kind's replicas paths) and pod
 * binding (what a scheduler posts to put a pod on a node).
 */
import type { WriteContext } from '../apimachinery/admission.js';
import { deepClone, getPath, isPlainObject, setPath, type KObject } from '../apimachinery/object.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from '../apimachinery/patch.js';
import type { ResourceStore } from '../apimachinery/resource-store.js';
import { labelSelectorText } from '../apimachinery/selectors.js';
import { ApiError, badRequest, conflict, invalid, staleObject, unsupportedMediaType } from '../apimachinery/status.js';
import { parsePatchBody } from '../apimachinery/patcher.js';

const split = (p: string): string[] => p.replace(/^\./, '').split('.');

export function toScale(rs: ResourceStore, o: KObject): KObject {
  const sc = rs.kind.scale!;
  const sel = sc.labelSelectorPath ? getPath(o, split(sc.labelSelectorPath)) : undefined;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: o.metadata.name, namespace: o.metadata.namespace, uid: o.metadata.uid, resourceVersion: o.metadata.resourceVersion, creationTimestamp: o.metadata.creationTimestamp },
    spec: { replicas: (getPath(o, split(sc.specReplicasPath)) as number | undefined) ?? 0 },
    status: { replicas: (getPath(o, split(sc.statusReplicasPath)) as number | undefined) ?? 0, selector: isPlainObject(sel) ? labelSelectorText(sel) : typeof sel === 'string' ? sel : '' },
  };
}

/** Writes a new Scale (from PUT or a patched Scale) into the object's replicas. */
export async function updateScale(rs: ResourceStore, ns: string | undefined, name: string, scaleBody: unknown, ctx: WriteContext, cur?: KObject): Promise<KObject> {
  const current = cur ?? (await rs.get(ns, name));
  if (!isPlainObject(scaleBody)) throw badRequest('Scale body must be an object');
  const replicas = getPath(scaleBody, ['spec', 'replicas']);
  if (typeof replicas !== 'number' || !Number.isInteger(replicas))
    throw invalid('Scale', 'autoscaling', name, [{ reason: 'FieldValueRequired', field: 'spec.replicas', message: 'Required value' }]);
  if (replicas < 0) throw invalid('Scale', 'autoscaling', name, [{ reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${replicas}: must be greater than or equal to 0` }]);
  const rv = getPath(scaleBody, ['metadata', 'resourceVersion']);
  if (rv && rv !== current.metadata.resourceVersion) throw staleObject(rs.gr, name);
  const next = deepClone(current);
  setPath(next as unknown as Record<string, unknown>, split(rs.kind.scale!.specReplicasPath), replicas);
  return toScale(rs, await rs.update(ns, name, next, ctx, { current }));
}

export async function patchScale(rs: ResourceStore, ns: string | undefined, name: string, contentType: string, raw: string, ctx: WriteContext): Promise<KObject> {
  const type = contentType.split(';')[0].trim();
  const patch = parsePatchBody(type, raw);
  for (let attempt = 0; ; attempt++) {
    const cur = await rs.get(ns, name);
    const scale = toScale(rs, cur);
    let next: unknown;
    if (type === 'application/json-patch+json') next = applyJsonPatch(scale, patch);
    else if (type === 'application/merge-patch+json') next = applyMergePatch(scale, patch);
    else if (type === 'application/strategic-merge-patch+json') next = applyStrategicMergePatch(scale, patch, undefined);
    else if (type === 'application/apply-patch+yaml') next = applyMergePatch(scale, patch);
    else throw unsupportedMediaType(type);
    try {
      return await updateScale(rs, ns, name, next, ctx, cur);
    } catch (err) {
      if (err instanceof ApiError && err.reason === 'Conflict' && attempt < 5) continue;
      throw err;
    }
  }
}

/** POST pods/NAME/binding: sets spec.nodeName once. */
export async function bindPod(rs: ResourceStore, ns: string | undefined, name: string, body: unknown, ctx: WriteContext): Promise<void> {
  const target = isPlainObject(body) && isPlainObject(body.target) ? body.target : undefined;
  const node = target?.name;
  if (typeof node !== 'string' || !node) throw invalid('Binding', '', name, [{ reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' }]);
  const cur = await rs.get(ns, name);
  const spec = cur.spec as Record<string, unknown>;
  if (spec.nodeName) throw conflict(rs.gr, name, `pod ${name} is already assigned to node "${String(spec.nodeName)}"`);
  if (cur.metadata.deletionTimestamp) throw conflict(rs.gr, name, `pod ${name} is being deleted, cannot be assigned to a host`);
  const next = deepClone(cur);
  (next.spec as Record<string, unknown>).nodeName = node;
  const status = (next.status ??= {}) as { conditions?: unknown[] };
  status.conditions = [...(status.conditions ?? []).filter((c) => (c as { type?: string }).type !== 'PodScheduled'), { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }];
  await rs.write(cur, next, ctx);
}
