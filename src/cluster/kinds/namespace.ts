import type { KindDef } from '../apimachinery/kind.js';
import { dnsLabelErrors, isPlainObject } from '../apimachinery/object.js';
import { forbidden } from '../apimachinery/status.js';
import { ageColumn, at, nameColumn } from './columns.js';
import { enumOf, kindSchema, obj, conditions, strList } from './dsl.js';

export const namespaceKind: KindDef = {
  group: '',
  version: 'v1',
  kind: 'Namespace',
  plural: 'namespaces',
  singular: 'namespace',
  namespaced: false,
  shortNames: ['ns'],
  builtin: true,
  status: true,
  description: 'Namespace provides a scope for Names.',
  schema: kindSchema(
    'io.k8s.api.core.v1.Namespace',
    'Namespace provides a scope for Names. Use of multiple namespaces is optional.',
    obj({ finalizers: strList('Finalizers is an opaque list of values that must be empty to permanently remove object from storage.') }, 'NamespaceSpec describes the attributes on a Namespace.'),
    obj({ phase: enumOf(['Active', 'Terminating'], 'Phase is the current lifecycle phase of the namespace.'), conditions }, 'NamespaceStatus is information about the current status of a Namespace.'),
  ),
  columns: [nameColumn, { name: 'Status', type: 'string', description: 'The status of the namespace', value: (o) => at(o, 'status.phase') ?? '' }, ageColumn],
  fieldSelectors: { 'status.phase': (o) => at(o, 'status.phase') as string | undefined },
  prepareForCreate(o) {
    o.status = { phase: 'Active' };
    const spec = (isPlainObject(o.spec) ? o.spec : (o.spec = {})) as Record<string, unknown>;
    if (!Array.isArray(spec.finalizers)) spec.finalizers = ['kubernetes'];
  },
  checkDelete(o) {
    // The namespaces the system itself lives in stay.
    if (['default', 'kube-system', 'kube-public'].includes(o.metadata.name ?? ''))
      throw forbidden({ group: '', resource: 'namespaces' }, o.metadata.name!, 'this namespace may not be deleted');
  },
  validate(o) {
    const name = o.metadata.name ?? '';
    return dnsLabelErrors(name).map((e) => ({ reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "${name}": ${e}` }));
  },
};
