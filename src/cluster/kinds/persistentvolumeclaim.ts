import type { KindDef } from '../apimachinery/kind.js';
import { ageColumn, at, nameColumn } from './columns.js';
import { conditions, enumOf, kindSchema, labelSelector, obj, opaque, quantity, str, strList } from './dsl.js';

export const persistentVolumeClaimKind: KindDef = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolumeClaim',
  plural: 'persistentvolumeclaims',
  singular: 'persistentvolumeclaim',
  namespaced: true,
  shortNames: ['pvc'],
  builtin: true,
  status: true,
  schema: kindSchema(
    'io.k8s.api.core.v1.PersistentVolumeClaim',
    'PersistentVolumeClaim is a user\'s request for and claim to a persistent volume.',
    obj(
      {
        accessModes: strList('AccessModes contains the desired access modes the volume should have.'),
        selector: labelSelector,
        resources: obj({ limits: { type: 'object', additionalProperties: quantity() }, requests: { type: 'object', additionalProperties: quantity() } }, 'Minimum resources the volume should have.'),
        volumeName: str('The binding reference to the PersistentVolume backing this claim.'),
        storageClassName: str('Name of the StorageClass required by the claim.'),
        volumeMode: enumOf(['Block', 'Filesystem'], 'Volume mode.', 'Filesystem'),
        dataSource: opaque(),
        dataSourceRef: opaque(),
        volumeAttributesClassName: str(),
      },
      'PersistentVolumeClaimSpec describes the common attributes of storage devices.',
    ),
    obj({ phase: str('Phase represents the current phase of PersistentVolumeClaim.'), accessModes: strList(), capacity: { type: 'object', additionalProperties: quantity() }, conditions, allocatedResources: opaque(), allocatedResourceStatuses: opaque(), currentVolumeAttributesClassName: str(), modifyVolumeStatus: opaque() }, 'PersistentVolumeClaimStatus is the current status of a persistent volume claim.'),
  ),
  columns: [
    nameColumn,
    { name: 'Status', type: 'string', description: 'Phase', value: (o) => at(o, 'status.phase') ?? '' },
    { name: 'Volume', type: 'string', description: 'Volume', value: (o) => at(o, 'spec.volumeName') ?? '' },
    { name: 'Capacity', type: 'string', description: 'Capacity', value: (o) => String(at(o, 'status.capacity.storage') ?? '') },
    { name: 'Access Modes', type: 'string', description: 'Access modes', value: (o) => ((at(o, 'status.accessModes') as string[] | undefined) ?? []).join(',') },
    { name: 'StorageClass', type: 'string', description: 'Storage class', value: (o) => at(o, 'spec.storageClassName') ?? '' },
    { name: 'VolumeAttributesClass', type: 'string', description: 'Volume attributes class', value: () => '<unset>' },
    ageColumn,
    { name: 'VolumeMode', type: 'string', priority: 1, description: 'Volume mode', value: (o) => at(o, 'spec.volumeMode') },
  ],
  prepareForCreate(o) {
    o.status = { phase: 'Pending' };
  },
};
