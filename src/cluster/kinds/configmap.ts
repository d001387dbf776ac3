import type { KindDef } from '../apimachinery/kind.js';
import { deepEqual, type KObject } from '../apimachinery/object.js';
import type { StatusCause } from '../apimachinery/status.js';
import { ageColumn, countOf, nameColumn } from './columns.js';
import { bool, kindSchema, strMap } from './dsl.js';

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

export function validateDataKeys(o: KObject, fields: string[]): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const f of fields)
    for (const key of Object.keys((o[f] as Record<string, unknown>) ?? {}))
      if (!CONFIG_KEY.test(key) || key.length > 253)
        causes.push({ reason: 'FieldValueInvalid', field: `${f}[${key}]`, message: `Invalid value: "${key}": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')` });
  return causes;
}

/** Objects marked immutable keep their data forever. */
export function validateImmutable(o: KObject, old: KObject | undefined, fields: string[]): StatusCause[] {
  if (!old || old.immutable !== true) return [];
  const causes: StatusCause[] = [];
  if (o.immutable !== true) causes.push({ reason: 'FieldValueForbidden', field: 'immutable', message: 'Forbidden: field is immutable when `immutable` is set' });
  for (const f of fields) if (!deepEqual(o[f], old[f])) causes.push({ reason: 'FieldValueForbidden', field: f, message: 'Forbidden: field is immutable when `immutable` is set' });
  return causes;
}

export const configMapKind: KindDef = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  singular: 'configmap',
  namespaced: true,
  shortNames: ['cm'],
  builtin: true,
  schema: kindSchema('io.k8s.api.core.v1.ConfigMap', 'ConfigMap holds configuration data for pods to consume.', undefined, undefined, {
    data: strMap('Data contains the configuration data.'),
    binaryData: strMap('BinaryData contains the binary data (base64).'),
    immutable: bool('Immutable, if set to true, ensures that data stored in the ConfigMap cannot be updated.'),
  }),
  columns: [nameColumn, { name: 'Data', type: 'string', description: 'Number of keys', value: (o) => countOf(o.data) + countOf(o.binaryData) }, ageColumn],
  validate: (o, old) => [...validateDataKeys(o, ['data', 'binaryData']), ...validateImmutable(o, old, ['data', 'binaryData'])],
};
