/**
 * Field ownership (metadata.managedFields) and server-side apply. Every write records which
 * manager set which fields; apply merges a manager's configuration, removes fields it no
 * longer applies, and refuses (409) to take fields another manager set to other values
 * unless forced.
 */
import { ApiError } from './status.js';
import { deepClone, deepEqual, nowTimestamp, type KObject, type ManagedFieldsEntry } from './object.js';
import { fieldSetOf, formatPath, fromFieldsV1, mergeApplied, removeAt, splitPath, toFieldsV1, valueAt, type FieldPathSet } from './fields.js';
import type { Schema } from './schema.js';

export interface ManagerIdentity {
  manager: string;
  apiVersion: string;
  subresource?: string;
}

const sameEntry = (e: ManagedFieldsEntry, id: ManagerIdentity, op: 'Apply' | 'Update'): boolean =>
  e.manager === id.manager && e.operation === op && (e.subresource ?? '') === (id.subresource ?? '');

function setEntry(entries: ManagedFieldsEntry[], id: ManagerIdentity, op: 'Apply' | 'Update', set: FieldPathSet): ManagedFieldsEntry[] {
  const rest = entries.filter((e) => !sameEntry(e, id, op));
  if (set.size === 0) return rest;
  const entry: ManagedFieldsEntry = { manager: id.manager, operation: op, apiVersion: id.apiVersion, time: nowTimestamp(), fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(set) };
  if (id.subresource) entry.subresource = id.subresource;
  return [...rest, entry];
}

const setsOf = (obj: KObject, schema: Schema, subresource?: string): FieldPathSet => fieldSetOf(obj, schema, { includeStatus: subresource === 'status' });

/**
 * Records an ordinary write (create, update, patch) by `id`: fields it changed become its
 * own and are taken from other managers; removed fields leave every set.
 */
export function recordUpdate(oldObj: KObject | undefined, newObj: KObject, schema: Schema, id: ManagerIdentity): void {
  const newSet = setsOf(newObj, schema, id.subresource);
  const oldSet = oldObj ? setsOf(oldObj, schema, id.subresource) : new Set<string>();
  const changed = new Set<string>();
  for (const p of newSet) {
    const t = splitPath(p);
    if (!oldSet.has(p) || !deepEqual(valueAt(oldObj, t), valueAt(newObj, t))) changed.add(p);
  }
  let entries = (oldObj?.metadata.managedFields ?? []).map((e) => {
    const s = fromFieldsV1(e.fieldsV1);
    const kept = new Set([...s].filter((p) => !changed.has(p) && (!sameSubresource(e, id) || newSet.has(p))));
    return { e, kept };
  });
  entries = entries.filter((x) => x.kept.size > 0);
  let result = entries.map(({ e, kept }) => ({ ...e, fieldsV1: toFieldsV1(kept) }));
  const mine = result.find((e) => sameEntry(e, id, 'Update'));
  const mySet = new Set([...(mine ? fromFieldsV1(mine.fieldsV1) : []), ...changed]);
  if (changed.size > 0 || !mine) result = setEntry(result, id, 'Update', mySet);
  newObj.metadata.managedFields = result.length ? result : undefined;
  if (!newObj.metadata.managedFields) delete newObj.metadata.managedFields;
}

const sameSubresource = (e: ManagedFieldsEntry, id: ManagerIdentity): boolean => (e.subresource ?? '') === (id.subresource ?? '');

export interface ApplyOptions {
  force: boolean;
}

/**
 * Server-side apply of `applied` (the manager's full intent) onto `live` (undefined: create).
 * Returns the new object; throws 409 Conflict listing every conflicting field.
 */
export function serverSideApply(live: KObject | undefined, applied: KObject, schema: Schema, id: ManagerIdentity, opts: ApplyOptions): KObject {
  const appliedSet = setsOf(applied, schema, id.subresource);
  const entries = deepClone(live?.metadata.managedFields ?? []);
  const conflicts: { manager: string; apiVersion: string; path: string[] }[] = [];
  const others = entries.filter((e) => !sameEntry(e, id, 'Apply') && sameSubresource(e, id));
  for (const e of others) {
    for (const p of fromFieldsV1(e.fieldsV1)) {
      if (!appliedSet.has(p)) continue;
      const t = splitPath(p);
      if (t[t.length - 1] === '.' || t[t.length - 1].startsWith('v:')) continue;
      if (!deepEqual(valueAt(applied, t), valueAt(live, t))) conflicts.push({ manager: e.manager, apiVersion: e.apiVersion, path: t });
    }
  }
  if (conflicts.length && !opts.force) {
    const causes = conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}"${c.apiVersion ? ` using ${c.apiVersion}` : ''}`, field: formatPath(c.path) }));
    const lines = causes.map((c) => `${c.message}: ${c.field}`);
    const msg = conflicts.length === 1 ? `Apply failed with 1 conflict: ${lines[0]}` : `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
    throw new ApiError(409, 'Conflict', msg, { causes });
  }
  const stolen = new Set(conflicts.map((c) => c.path.join('\n')));
  const prevMine = entries.find((e) => sameEntry(e, id, 'Apply'));
  const prevSet = prevMine ? fromFieldsV1(prevMine.fieldsV1) : new Set<string>();
  const ownedByOthers = new Set<string>();
  for (const e of others) for (const p of fromFieldsV1(e.fieldsV1)) if (!stolen.has(p)) ownedByOthers.add(p);

  let result: KObject = live ? (deepClone(live) as KObject) : ({ metadata: {} } as KObject);
  // Fields this manager applied before but no longer does, and nobody else owns, go away.
  const dropped = [...prevSet].filter((p) => !appliedSet.has(p) && !ownedByOthers.has(p)).map(splitPath).sort((a, b) => b.length - a.length);
  for (const t of dropped) removeAt(result, t);
  result = mergeApplied(result, applied, schema) as KObject;

  let newEntries = entries
    .map((e) => (sameEntry(e, id, 'Apply') ? e : { ...e, fieldsV1: toFieldsV1(new Set([...fromFieldsV1(e.fieldsV1)].filter((p) => !stolen.has(p)))) }))
    .filter((e) => Object.keys(e.fieldsV1).length > 0);
  newEntries = setEntry(newEntries, id, 'Apply', appliedSet);
  result.metadata.managedFields = newEntries;
  return result;
}
