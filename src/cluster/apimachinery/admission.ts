/**
 * The common path every write takes before it is stored: kind/version checks, schema
 * defaulting and pruning (with fieldValidation), the kind's strategy, and metadata validation.
 * Failures are Kubernetes' errors: 400 for undecodable input, 422 with every field error.
 */
import { apiVersionOf, type KindDef } from './kind.js';
import { dnsSubdomainErrors, isPlainObject, labelValueErrors, qualifiedNameErrors, type KObject } from './object.js';
import { checkAgainstSchema } from './schema.js';
import { badRequest, invalid, type StatusCause } from './status.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface WriteContext {
  dryRun: boolean;
  fieldManager: string;
  fieldValidation: FieldValidation;
  /** Warnings to send back as `Warning: 299 - "..."` headers. */
  warnings: string[];
}

const cannotHandle = (k: KindDef, why: string): string => `${k.kind} in version "${k.version}" cannot be handled as a ${k.kind}: ${why}`;

/** Body must be an object of this kind and version (kind/apiVersion may be omitted). */
export function checkTypeMeta(k: KindDef, body: unknown): KObject {
  if (!isPlainObject(body)) throw badRequest(cannotHandle(k, `json: cannot unmarshal ${Array.isArray(body) ? 'array' : typeof body} into Go value of type ${k.kind}`));
  const want = apiVersionOf(k);
  if (body.apiVersion !== undefined && body.apiVersion !== want)
    throw badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${want})`);
  if (body.kind !== undefined && body.kind !== k.kind)
    throw badRequest(cannotHandle(k, `no kind "${String(body.kind)}" is registered for version "${want}" in scheme "wharf"`));
  if (body.metadata !== undefined && !isPlainObject(body.metadata)) throw badRequest(cannotHandle(k, 'json: cannot unmarshal into Go struct field .metadata of type v1.ObjectMeta'));
  const obj = body as KObject;
  obj.metadata ??= {};
  obj.apiVersion = want;
  obj.kind = k.kind;
  return obj;
}

/** Schema defaults, unknown-field handling, kind defaults and validation for `obj`. */
export function admit(k: KindDef, obj: KObject, old: KObject | undefined, ctx: WriteContext): void {
  dropEmptyMeta(obj);
  const check = checkAgainstSchema(obj, k.schema);
  if (check.typeErrors.length) {
    if (k.builtin) {
      const first = check.typeErrors[0];
      throw badRequest(cannotHandle(k, `json: cannot unmarshal into Go struct field ${first.field} (${first.message})`), check.typeErrors);
    }
    throw invalid(k.kind, k.group, obj.metadata?.name ?? '', check.typeErrors);
  }
  if (check.unknownFields.length) {
    const msgs = check.unknownFields.map((f) => `unknown field "${f}"`);
    if (ctx.fieldValidation === 'Strict') throw badRequest(cannotHandle(k, `strict decoding error: ${msgs.join(', ')}`));
    if (ctx.fieldValidation === 'Warn') ctx.warnings.push(...msgs);
  }
  k.defaults?.(obj);
  const causes = [...check.causes, ...validateMeta(k, obj), ...(k.validate?.(obj, old) ?? [])];
  if (causes.length) throw invalid(k.kind, k.group, obj.metadata.name ?? '', causes);
}

export function validateMeta(k: KindDef, obj: KObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const m = obj.metadata;
  if (!m.name) causes.push({ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' });
  else if (k.kind !== 'Namespace')
    for (const e of dnsSubdomainErrors(m.name)) causes.push({ reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "${m.name}": ${e}` });
  for (const [key, v] of Object.entries(m.labels ?? {})) {
    for (const e of qualifiedNameErrors(key)) causes.push({ reason: 'FieldValueInvalid', field: 'metadata.labels', message: `Invalid value: "${key}": ${e}` });
    for (const e of labelValueErrors(v)) causes.push({ reason: 'FieldValueInvalid', field: 'metadata.labels', message: `Invalid value: "${v}": ${e}` });
  }
  for (const key of Object.keys(m.annotations ?? {}))
    for (const e of qualifiedNameErrors(key)) causes.push({ reason: 'FieldValueInvalid', field: 'metadata.annotations', message: `Invalid value: "${key}": ${e}` });
  const annSize = Object.entries(m.annotations ?? {}).reduce((n, [a, b]) => n + a.length + b.length, 0);
  if (annSize > 262144) causes.push({ reason: 'FieldValueTooLong', field: 'metadata.annotations', message: 'Too long: must have at most 262144 bytes' });
  (m.ownerReferences ?? []).forEach((r, i) => {
    for (const f of ['apiVersion', 'kind', 'name', 'uid'] as const)
      if (!r[f]) causes.push({ reason: 'FieldValueRequired', field: `metadata.ownerReferences[${i}].${f}`, message: 'Required value' });
  });
  if ((m.ownerReferences ?? []).filter((r) => r.controller).length > 1)
    causes.push({ reason: 'FieldValueInvalid', field: 'metadata.ownerReferences', message: 'Invalid value: Only one reference can have Controller set to true' });
  return causes;
}

/** Go's omitempty: empty metadata maps and lists are not part of the object. */
function dropEmptyMeta(obj: KObject): void {
  const m = obj.metadata as Record<string, unknown>;
  if (!isPlainObject(m)) return;
  for (const k of ['labels', 'annotations', 'finalizers', 'ownerReferences', 'managedFields']) {
    const v = m[k];
    if (v === null || (Array.isArray(v) && v.length === 0) || (isPlainObject(v) && Object.keys(v).length === 0)) delete m[k];
  }
}
