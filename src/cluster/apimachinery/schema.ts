/**
 * One structural schema (an OpenAPI v3 subset, the same shape CRDs use) per kind drives
 * three things: defaulting, validation (types, enums, required, unknown fields) and the
 * OpenAPI documents served to clients. Named sub-schemas become $ref components.
 */
import { isPlainObject } from './object.js';
import type { StatusCause } from './status.js';

export interface Schema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  format?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  nullable?: boolean;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  not?: Schema;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-patch-strategy'?: string;
  [ext: string]: unknown;
}

const names = new WeakMap<Schema, string>();

/** Marks a schema as a named definition (served as components/schemas/NAME). */
export function named<S extends Schema>(name: string, schema: S): S {
  names.set(schema, name);
  return schema;
}
export const schemaName = (s: Schema): string | undefined => names.get(s);

export interface SchemaCheck {
  /** Type mismatches: Kubernetes reports these for built-in kinds as a 400 decode error. */
  typeErrors: StatusCause[];
  /** Value errors (enum, required, bounds): 422 Invalid. */
  causes: StatusCause[];
  /** Dotted paths of fields the schema does not know; they are removed from the object. */
  unknownFields: string[];
}

/**
 * Defaults, prunes and validates `obj` in place against `schema`.
 * Unknown fields are removed (Kubernetes drops them) and reported so the caller can apply
 * fieldValidation; nulls in structural objects are dropped as Go's decoder would.
 */
export function checkAgainstSchema(obj: unknown, schema: Schema): SchemaCheck {
  const out: SchemaCheck = { typeErrors: [], causes: [], unknownFields: [] };
  walk(obj, schema, '', out);
  return out;
}

const join = (path: string, key: string): string => (path ? `${path}.${key}` : key);

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeOk(v: unknown, s: Schema): boolean {
  if (s['x-kubernetes-int-or-string']) return typeof v === 'string' || Number.isInteger(v);
  switch (s.type) {
    case undefined:
      return true;
    case 'object':
      return isPlainObject(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
  }
}

function walk(v: unknown, s: Schema, path: string, out: SchemaCheck): void {
  if (!typeOk(v, s)) {
    out.typeErrors.push({
      reason: 'FieldValueTypeInvalid',
      field: path,
      message: `Invalid value: "${typeName(v)}": ${path || 'body'} in body must be of type ${s['x-kubernetes-int-or-string'] ? 'integer or string' : s.type}: ${JSON.stringify(v)?.slice(0, 60)}`,
    });
    return;
  }
  if (s.enum && !s.enum.includes(v))
    out.causes.push({
      reason: 'FieldValueNotSupported',
      field: path,
      message: `Unsupported value: ${JSON.stringify(v)}: supported values: ${s.enum.map((e) => JSON.stringify(e)).join(', ')}`,
    });
  if (typeof v === 'number') {
    if (s.minimum !== undefined && v < s.minimum)
      out.causes.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${v}: must be greater than or equal to ${s.minimum}` });
    if (s.maximum !== undefined && v > s.maximum)
      out.causes.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${v}: must be less than or equal to ${s.maximum}` });
  }
  if (typeof v === 'string') {
    if (s.maxLength !== undefined && v.length > s.maxLength)
      out.causes.push({ reason: 'FieldValueTooLong', field: path, message: `Too long: may not be longer than ${s.maxLength}` });
    if (s.minLength !== undefined && v.length < s.minLength)
      out.causes.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: "${v}": ${path} in body should be at least ${s.minLength} chars long` });
    if (s.pattern && !new RegExp(s.pattern).test(v))
      out.causes.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: "${v}": ${path} in body should match '${s.pattern}'` });
  }
  if (Array.isArray(v)) {
    if (s.maxItems !== undefined && v.length > s.maxItems)
      out.causes.push({ reason: 'FieldValueTooMany', field: path, message: `Too many: ${v.length}: must have at most ${s.maxItems} items` });
    if (s.minItems !== undefined && v.length < s.minItems)
      out.causes.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${v.length}: ${path} in body should have at least ${s.minItems} items` });
    if (s.items) v.forEach((item, i) => walk(item, s.items!, `${path}[${i}]`, out));
    return;
  }
  if (!isPlainObject(v)) return;
  const props = s.properties;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  for (const key of Object.keys(v)) {
    if (v[key] === undefined) {
      delete v[key];
      continue;
    }
    const child = props?.[key] ?? (isPlainObject(s.additionalProperties) ? s.additionalProperties : undefined);
    if (v[key] === null && !(child?.nullable ?? false)) {
      delete v[key];
      continue;
    }
    if (child) walk(v[key], child, join(path, key), out);
    else if (!preserve && s.additionalProperties !== true && (props || s.additionalProperties === false || s.type === 'object')) {
      out.unknownFields.push(join(path, key));
      delete v[key];
    }
  }
  if (props)
    for (const [key, child] of Object.entries(props))
      if (v[key] === undefined && child.default !== undefined) v[key] = structuredClone(child.default);
  for (const req of s.required ?? [])
    if (v[req] === undefined || v[req] === '')
      out.causes.push({ reason: 'FieldValueRequired', field: join(path, req), message: 'Required value' });
}

/** The schema of a child property (object field or map value or list item), if known. */
export function childSchema(s: Schema | undefined, key: string): Schema | undefined {
  if (!s) return undefined;
  if (s.type === 'array') return s.items;
  return s.properties?.[key] ?? (isPlainObject(s.additionalProperties) ? s.additionalProperties : undefined);
}

/** Merge keys of a list: SSA's list-map-keys, else strategic merge's patch merge key. */
export function listMapKeys(s: Schema | undefined): string[] | undefined {
  if (!s) return undefined;
  if (s['x-kubernetes-list-type'] === 'map' && s['x-kubernetes-list-map-keys']) return s['x-kubernetes-list-map-keys'];
  const mk = s['x-kubernetes-patch-merge-key'];
  if (mk && (s['x-kubernetes-patch-strategy'] ?? '').includes('merge')) return [mk];
  return undefined;
}
