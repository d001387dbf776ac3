/**
 * The three patch formats Kubernetes accepts besides apply:
 * JSON Patch (RFC 6902), JSON Merge Patch (RFC 7386) and strategic merge patch, which merges
 * lists of objects by their merge key (from the kind's schema) and honours `$patch`,
 * `$retainKeys`, `$setElementOrder/` and `$deleteFromPrimitiveList/` directives.
 * Every function returns a new value and never mutates its inputs.
 */
import { deepClone, deepEqual, isPlainObject } from './object.js';
import { childSchema, type Schema } from './schema.js';
import { ApiError } from './status.js';

const patchError = (msg: string): ApiError => new ApiError(422, 'Invalid', msg);

function decodePointer(ptr: string): string[] {
  if (ptr === '') return [];
  if (!ptr.startsWith('/')) throw patchError(`invalid JSON pointer: "${ptr}"`);
  return ptr
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

interface JsonPatchOp {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

export function applyJsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new ApiError(400, 'BadRequest', 'json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let root = deepClone(doc);
  const parentOf = (parts: string[]): { parent: unknown; key: string } => {
    let cur: unknown = root;
    for (const p of parts.slice(0, -1)) {
      if (Array.isArray(cur)) cur = cur[Number(p)];
      else if (isPlainObject(cur)) cur = cur[p];
      else cur = undefined;
      if (cur === undefined) throw patchError(`the server rejected our request due to an error in our request: doc is missing path: "/${parts.join('/')}": missing value`);
    }
    return { parent: cur, key: parts[parts.length - 1] };
  };
  const get = (ptr: string): unknown => {
    const parts = decodePointer(ptr);
    if (parts.length === 0) return root;
    const { parent, key } = parentOf(parts);
    const v = Array.isArray(parent) ? parent[Number(key)] : isPlainObject(parent) ? parent[key] : undefined;
    if (v === undefined) throw patchError(`doc is missing key: ${ptr}: missing value`);
    return v;
  };
  const remove = (ptr: string): unknown => {
    const { parent, key } = parentOf(decodePointer(ptr));
    if (Array.isArray(parent)) {
      const i = Number(key);
      if (!(i >= 0 && i < parent.length)) throw patchError(`unable to remove nonexistent key: ${key}: missing value`);
      return parent.splice(i, 1)[0];
    }
    if (!isPlainObject(parent) || !(key in parent)) throw patchError(`unable to remove nonexistent key: ${key}: missing value`);
    const v = parent[key];
    delete parent[key];
    return v;
  };
  const add = (ptr: string, value: unknown, replace: boolean): void => {
    const parts = decodePointer(ptr);
    if (parts.length === 0) {
      root = value;
      return;
    }
    const { parent, key } = parentOf(parts);
    if (Array.isArray(parent)) {
      const i = key === '-' ? parent.length : Number(key);
      if (!(Number.isInteger(i) && i >= 0 && i <= parent.length)) throw patchError(`index out of bounds: ${key}`);
      if (replace) {
        if (i >= parent.length) throw patchError(`replace operation does not apply: doc is missing key: ${ptr}`);
        parent[i] = value;
      } else parent.splice(i, 0, value);
    } else if (isPlainObject(parent)) {
      if (replace && !(key in parent)) throw patchError(`replace operation does not apply: doc is missing key: ${ptr}: missing value`);
      parent[key] = value;
    } else throw patchError(`doc is missing path: ${ptr}`);
  };
  for (const raw of ops as JsonPatchOp[]) {
    if (!isPlainObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string')
      throw new ApiError(400, 'BadRequest', 'json patch operation must have "op" and "path"');
    switch (raw.op) {
      case 'add':
        add(raw.path, deepClone(raw.value), false);
        break;
      case 'replace':
        add(raw.path, deepClone(raw.value), true);
        break;
      case 'remove':
        remove(raw.path);
        break;
      case 'move':
        add(raw.path, remove(raw.from ?? ''), false);
        break;
      case 'copy':
        add(raw.path, deepClone(get(raw.from ?? '')), false);
        break;
      case 'test':
        if (!deepEqual(get(raw.path), raw.value)) throw patchError(`testing value ${raw.path} failed: test failed`);
        break;
      default:
        throw new ApiError(400, 'BadRequest', `Unexpected kind: ${raw.op}`);
    }
  }
  return root;
}

export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return deepClone(patch);
  const result: Record<string, unknown> = isPlainObject(target) ? deepClone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete result[k];
    else result[k] = applyMergePatch(result[k], v);
  }
  return result;
}

/** Strategic merge patch against `orig`, guided by the object's schema. */
export function applyStrategicMergePatch(orig: unknown, patch: unknown, schema: Schema | undefined): unknown {
  if (!isPlainObject(patch)) return deepClone(patch);
  if (patch.$patch === 'replace') {
    const { $patch: _, ...rest } = patch;
    return deepClone(rest);
  }
  const result: Record<string, unknown> = isPlainObject(orig) ? deepClone(orig) : {};
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys as string[]);
    for (const k of Object.keys(result)) if (!keep.has(k) && !(k in patch)) delete result[k];
  }
  const orders: [string, unknown[]][] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys') continue;
    if (key.startsWith('$setElementOrder/')) {
      if (Array.isArray(value)) orders.push([key.slice('$setElementOrder/'.length), value]);
      continue;
    }
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(result[field]) && Array.isArray(value))
        result[field] = (result[field] as unknown[]).filter((x) => !value.some((d) => deepEqual(d, x)));
      continue;
    }
    if (value === null) {
      delete result[key];
      continue;
    }
    const sub = childSchema(schema, key);
    if (isPlainObject(value) && value.$patch === 'delete') {
      delete result[key];
      continue;
    }
    if (Array.isArray(value)) result[key] = mergeList(result[key], value, sub);
    else if (isPlainObject(value) && sub?.['x-kubernetes-map-type'] !== 'atomic')
      result[key] = applyStrategicMergePatch(result[key], value, sub);
    else result[key] = deepClone(value);
  }
  for (const [field, order] of orders) if (Array.isArray(result[field])) result[field] = reorder(result[field] as unknown[], order, childSchema(schema, field));
  return result;
}

function mergeList(orig: unknown, patch: unknown[], s: Schema | undefined): unknown[] {
  const strategy = s?.['x-kubernetes-patch-strategy'] ?? '';
  const mergeKey = s?.['x-kubernetes-patch-merge-key'];
  if (patch.some((p) => isPlainObject(p) && p.$patch === 'replace'))
    return deepClone(patch.filter((p) => !(isPlainObject(p) && p.$patch === 'replace')));
  if (!strategy.includes('merge')) return deepClone(patch);
  const base = Array.isArray(orig) ? deepClone(orig) : [];
  if (!mergeKey) {
    // A merged list of primitives is a set union that keeps the original order.
    for (const p of patch) if (!base.some((b) => deepEqual(b, p))) base.push(deepClone(p));
    return base;
  }
  for (const p of patch) {
    if (!isPlainObject(p)) continue;
    const idx = base.findIndex((b) => isPlainObject(b) && deepEqual(b[mergeKey], p[mergeKey]));
    if (p.$patch === 'delete') {
      if (idx >= 0) base.splice(idx, 1);
      continue;
    }
    if (idx >= 0) base[idx] = applyStrategicMergePatch(base[idx], p, s?.items);
    else base.push(applyStrategicMergePatch(undefined, p, s?.items));
  }
  return base;
}

function reorder(list: unknown[], order: unknown[], s: Schema | undefined): unknown[] {
  const mk = s?.['x-kubernetes-patch-merge-key'];
  const keyOf = (x: unknown): unknown => (mk && isPlainObject(x) ? x[mk] : x);
  const ordered: unknown[] = [];
  const rest = [...list];
  for (const o of order) {
    const want = keyOf(o);
    const i = rest.findIndex((x) => deepEqual(keyOf(x), want));
    if (i >= 0) ordered.push(...rest.splice(i, 1));
  }
  return [...ordered, ...rest];
}
