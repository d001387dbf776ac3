/**
 * Field paths and field sets as server-side apply sees them. A path is a list of tokens:
 * "f:name" (object field or map key), "k:{...}" (list item by its map keys), "v:..." (set
 * member) and "." (the node itself). Sets are kept as Set<string> of joined leaf paths and
 * converted to Kubernetes' FieldsV1 tree only at the edges.
 */
import { deepEqual, isPlainObject, type FieldSet } from './object.js';
import { childSchema, listMapKeys, type Schema } from './schema.js';

export type FieldPathSet = Set<string>;
const SEP = '\n';

/** Metadata fields the server owns; they never appear in a manager's set. */
const SERVER_META = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink', 'generateName']);

function isSetList(s: Schema | undefined): boolean {
  return s?.['x-kubernetes-list-type'] === 'set' || (!!s?.['x-kubernetes-patch-strategy']?.includes('merge') && !s['x-kubernetes-patch-merge-key']);
}

/**
 * The "k:{...}" token of a list-map item. A key field the item leaves out counts with its
 * schema default (an applied port without `protocol` is the live port with protocol TCP).
 */
export function itemKeyToken(item: unknown, keys: string[], itemSchema?: Schema): string {
  const o: Record<string, unknown> = {};
  for (const k of keys) {
    const v = isPlainObject(item) ? item[k] : undefined;
    const d = v === undefined ? itemSchema?.properties?.[k]?.default : v;
    if (d !== undefined) o[k] = d;
  }
  return `k:${JSON.stringify(o)}`;
}

/** Every leaf field set in `obj` (top-level apiVersion/kind/status excluded). */
export function fieldSetOf(obj: unknown, schema: Schema | undefined, opts: { includeStatus?: boolean } = {}): FieldPathSet {
  const out: FieldPathSet = new Set();
  if (!isPlainObject(obj)) return out;
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind' || v === undefined) continue;
    if (k === 'status' && !opts.includeStatus) continue;
    if (k !== 'status' && opts.includeStatus) continue;
    if (k === 'metadata' && isPlainObject(v)) {
      for (const [mk, mv] of Object.entries(v)) {
        if (SERVER_META.has(mk) || mv === undefined) continue;
        collect(mv, childSchema(childSchema(schema, 'metadata'), mk), ['f:metadata', `f:${mk}`], out, true);
      }
      continue;
    }
    collect(v, childSchema(schema, k), [`f:${k}`], out, false);
  }
  return out;
}

function collect(v: unknown, s: Schema | undefined, path: string[], out: FieldPathSet, isMapish: boolean): void {
  if (isPlainObject(v) && s?.['x-kubernetes-map-type'] !== 'atomic' && Object.keys(v).length > 0 && !(s && s.type !== 'object' && s.type !== undefined)) {
    const isMap = isMapish || (!s?.properties && !!s?.additionalProperties) || !s;
    if (isMap) out.add([...path, '.'].join(SEP));
    for (const [k, cv] of Object.entries(v)) if (cv !== undefined) collect(cv, childSchema(s, k), [...path, `f:${k}`], out, false);
    return;
  }
  if (Array.isArray(v) && v.length > 0) {
    const keys = listMapKeys(s);
    if (keys) {
      for (const item of v) {
        const p = [...path, itemKeyToken(item, keys, s?.items)];
        out.add([...p, '.'].join(SEP));
        if (isPlainObject(item)) for (const [k, cv] of Object.entries(item)) if (cv !== undefined) collect(cv, childSchema(s?.items, k), [...p, `f:${k}`], out, false);
      }
      return;
    }
    if (isSetList(s)) {
      for (const item of v) out.add([...path, `v:${JSON.stringify(item)}`].join(SEP));
      return;
    }
  }
  out.add(path.join(SEP));
}

export const splitPath = (p: string): string[] => p.split(SEP);

/** Value at a path; undefined when absent. "." answers the node itself. */
export function valueAt(obj: unknown, tokens: string[]): unknown {
  let cur: unknown = obj;
  for (const t of tokens) {
    if (cur === undefined) return undefined;
    if (t === '.') continue;
    if (t.startsWith('f:')) cur = isPlainObject(cur) ? cur[t.slice(2)] : undefined;
    else if (t.startsWith('k:')) {
      const want = JSON.parse(t.slice(2)) as Record<string, unknown>;
      // Exact key match first; else an item that leaves a (defaulted) key field out.
      cur = Array.isArray(cur)
        ? (cur.find((it) => isPlainObject(it) && Object.entries(want).every(([k, v]) => deepEqual(it[k], v))) ??
          cur.find((it) => isPlainObject(it) && Object.entries(want).every(([k, v]) => it[k] === undefined || deepEqual(it[k], v)) && Object.keys(want).some((k) => it[k] !== undefined)))
        : undefined;
    } else if (t.startsWith('v:')) {
      const want = JSON.parse(t.slice(2));
      cur = Array.isArray(cur) && cur.some((x) => deepEqual(x, want)) ? want : undefined;
    }
  }
  return cur;
}

/** Removes the field at `tokens` from `obj` in place (a trailing "." removes the node). */
export function removeAt(obj: unknown, tokens: string[]): void {
  if (tokens[tokens.length - 1] === '.') return removeAt(obj, tokens.slice(0, -1));
  if (tokens.length === 0) return;
  const parent = valueAt(obj, tokens.slice(0, -1));
  const last = tokens[tokens.length - 1];
  if (last.startsWith('f:') && isPlainObject(parent)) delete parent[last.slice(2)];
  else if (Array.isArray(parent)) {
    const target = valueAt(parent, [last]);
    const i = parent.findIndex((x) => deepEqual(x, target));
    if (i >= 0) parent.splice(i, 1);
  }
}

/** ".spec.containers[name=\"web\"].image" — how Kubernetes prints a path in conflicts. */
export function formatPath(tokens: string[]): string {
  let s = '';
  for (const t of tokens) {
    if (t === '.') continue;
    if (t.startsWith('f:')) s += `.${t.slice(2)}`;
    else if (t.startsWith('k:')) {
      const o = JSON.parse(t.slice(2)) as Record<string, unknown>;
      s += `[${Object.entries(o).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
    } else s += `[=${t.slice(2)}]`;
  }
  return s;
}

export function toFieldsV1(set: FieldPathSet): FieldSet {
  const root: FieldSet = {};
  for (const p of [...set].sort()) {
    let cur = root;
    for (const t of splitPath(p)) cur = cur[t] ??= {};
  }
  return root;
}

export function fromFieldsV1(tree: FieldSet | undefined): FieldPathSet {
  const out: FieldPathSet = new Set();
  const walk = (node: FieldSet, path: string[]): void => {
    const keys = Object.keys(node);
    if (keys.length === 0 && path.length) out.add(path.join(SEP));
    for (const k of keys) walk(node[k], [...path, k]);
  };
  if (tree) walk(tree, []);
  return out;
}

/** Merges an applied configuration into the live object (maps merge, keyed lists by key). */
export function mergeApplied(live: unknown, applied: unknown, s: Schema | undefined): unknown {
  if (isPlainObject(applied) && isPlainObject(live) && s?.['x-kubernetes-map-type'] !== 'atomic') {
    const out: Record<string, unknown> = { ...live };
    for (const [k, v] of Object.entries(applied)) out[k] = mergeApplied(live[k], v, childSchema(s, k));
    return out;
  }
  if (Array.isArray(applied) && Array.isArray(live)) {
    const keys = listMapKeys(s);
    if (keys) {
      const out = [...live];
      for (const item of applied) {
        const tok = itemKeyToken(item, keys, s?.items);
        const i = out.findIndex((x) => itemKeyToken(x, keys, s?.items) === tok);
        if (i >= 0) out[i] = mergeApplied(out[i], item, s?.items);
        else out.push(item);
      }
      return out;
    }
    if (isSetList(s)) return [...live, ...applied.filter((a) => !live.some((l) => deepEqual(l, a)))];
  }
  return applied;
}
