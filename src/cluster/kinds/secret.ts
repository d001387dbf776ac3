import type { KindDef } from '../apimachinery/kind.js';
import { isPlainObject } from '../apimachinery/object.js';
import { badRequest } from '../apimachinery/status.js';
import { ageColumn, countOf, nameColumn } from './columns.js';
import { validateDataKeys, validateImmutable } from './configmap.js';
import { bool, kindSchema, str, strMap } from './dsl.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** stringData is write-only: it is folded into data (base64) before storing. */
function foldStringData(o: Record<string, unknown>): void {
  for (const [k, v] of Object.entries((o.data as Record<string, string>) ?? {}))
    if (typeof v === 'string' && !BASE64.test(v)) throw badRequest(`Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte ${Math.max(0, v.length - 1)}`, [{ field: `data[${k}]`, message: 'illegal base64 data' }]);
  if (isPlainObject(o.stringData)) {
    const data = (isPlainObject(o.data) ? o.data : (o.data = {})) as Record<string, string>;
    for (const [k, v] of Object.entries(o.stringData)) data[k] = Buffer.from(String(v)).toString('base64');
  }
  delete o.stringData;
}

export const secretKind: KindDef = {
  group: '',
  version: 'v1',
  kind: 'Secret',
  plural: 'secrets',
  singular: 'secret',
  namespaced: true,
  builtin: true,
  schema: kindSchema('io.k8s.api.core.v1.Secret', 'Secret holds secret data of a certain type.', undefined, undefined, {
    data: strMap('Data contains the secret data, base64 encoded.'),
    stringData: strMap('stringData allows specifying non-binary secret data in string form. It is never output when reading.'),
    type: str('Used to facilitate programmatic handling of secret data.', { default: 'Opaque' }),
    immutable: bool('Immutable, if set to true, ensures that data stored in the Secret cannot be updated.'),
  }),
  columns: [nameColumn, { name: 'Type', type: 'string', description: 'The type of the secret', value: (o) => o.type ?? '' }, { name: 'Data', type: 'string', description: 'Number of items in the secret', value: (o) => countOf(o.data) }, ageColumn],
  fieldSelectors: { type: (o) => o.type as string | undefined },
  defaults: (o) => foldStringData(o),
  validate: (o, old) => {
    const causes = [...validateDataKeys(o, ['data']), ...validateImmutable(o, old, ['data'])];
    if (old && old.type !== o.type) causes.push({ reason: 'FieldValueInvalid', field: 'type', message: `Invalid value: "${String(o.type)}": field is immutable` });
    return causes;
  },
};
