import type { KindDef } from '../apimachinery/kind.js';
import { ageColumn, at, nameColumn } from './columns.js';
import { arr, bool, enumOf, kindSchema, opaque, str, strList, strMap } from './dsl.js';

export const storageClassKind: KindDef = {
  group: 'storage.k8s.io',
  version: 'v1',
  kind: 'StorageClass',
  plural: 'storageclasses',
  singular: 'storageclass',
  namespaced: false,
  shortNames: ['sc'],
  builtin: true,
  schema: kindSchema('io.k8s.api.storage.v1.StorageClass', 'StorageClass describes the parameters for a class of storage.', undefined, undefined, {
    provisioner: str('The type of the provisioner.'),
    parameters: strMap('Parameters for the provisioner that should create volumes of this storage class.'),
    reclaimPolicy: enumOf(['Delete', 'Retain', 'Recycle'], 'The reclaim policy for dynamically provisioned volumes.', 'Delete'),
    mountOptions: strList('Mount options for dynamically provisioned volumes.'),
    allowVolumeExpansion: bool('Whether the storage class allow volume expand.'),
    volumeBindingMode: enumOf(['Immediate', 'WaitForFirstConsumer'], 'How PersistentVolumeClaims should be provisioned and bound.', 'Immediate'),
    allowedTopologies: arr(opaque()),
  }),
  columns: [
    { ...nameColumn, value: (o) => (o.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true' ? `${o.metadata.name} (default)` : o.metadata.name) },
    { name: 'Provisioner', type: 'string', description: 'Provisioner', value: (o) => at(o, 'provisioner') },
    { name: 'ReclaimPolicy', type: 'string', description: 'Reclaim policy', value: (o) => at(o, 'reclaimPolicy') },
    { name: 'VolumeBindingMode', type: 'string', description: 'Binding mode', value: (o) => at(o, 'volumeBindingMode') },
    { name: 'AllowVolumeExpansion', type: 'string', description: 'Expansion', value: (o) => String(at(o, 'allowVolumeExpansion') === true) },
    ageColumn,
  ],
  validate(o, old) {
    const causes = o.provisioner ? [] : [{ reason: 'FieldValueRequired', field: 'provisioner', message: 'Required value' }];
    if (old && old.provisioner !== o.provisioner) causes.push({ reason: 'FieldValueForbidden', field: 'provisioner', message: 'Forbidden: updates to provisioner are forbidden.' });
    return causes;
  },
};
