import type { KindDef } from '../apimachinery/kind.js';
import { ageColumn, countOf, nameColumn } from './columns.js';
import { arr, bool, kindSchema, obj, opaque, str } from './dsl.js';

export const serviceAccountKind: KindDef = {
  group: '',
  version: 'v1',
  kind: 'ServiceAccount',
  plural: 'serviceaccounts',
  singular: 'serviceaccount',
  namespaced: true,
  shortNames: ['sa'],
  builtin: true,
  extraSubresources: [{ name: 'token', kind: 'TokenRequest', verbs: ['create'] }],
  schema: kindSchema('io.k8s.api.core.v1.ServiceAccount', 'ServiceAccount binds together a name, a principal and a set of secrets.', undefined, undefined, {
    secrets: arr(opaque('ObjectReference.'), 'Secrets allowed to be used by pods running using this ServiceAccount.'),
    imagePullSecrets: arr(obj({ name: str() }), 'References to secrets for pulling images.'),
    automountServiceAccountToken: bool('Whether pods running as this service account should have an API token automatically mounted.'),
  }),
  columns: [nameColumn, { name: 'Secrets', type: 'string', description: 'Number of secrets', value: (o) => countOf(o.secrets) }, ageColumn],
};
