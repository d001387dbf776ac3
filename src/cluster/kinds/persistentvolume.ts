import type { KindDef } from '../apimachinery/kind.js';
import { ageColumn, at, nameColumn } from './columns.js';
import { enumOf, kindSchema, obj, opaque, quantity, str, strList } from './dsl.js';

const claimRef = (o: Parameters<NonNullable<KindDef['columns']>[0]['value']>[0]): string => {
  const ns = at(o, 'spec.claimRef.namespace');
  const n = at(o, 'spec.claimRef.name');
  return n ? `${String(ns)}/${String(n)}` : '';
};

export const persistentVolumeKind: KindDef = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolume',
  plural: 'persistentvolumes',
  singular: 'persistentvolume',
  namespaced: false,
  shortNames: ['pv'],
  builtin: true,
  status: true,
  schema: kindSchema(
    'io.k8s.api.core.v1.PersistentVolume',
    'PersistentVolume (PV) is a storage resource provisioned by an administrator.',
    {
      ...obj(
        {
          capacity: { type: 'object', additionalProperties: quantity(), description: 'Capacity is the description of the persistent volume\'s resources and capacity.' },
          accessModes: strList('AccessModes contains all ways the volume can be mounted.'),
          claimRef: opaque('The binding between this PV and a PVC.'),
          persistentVolumeReclaimPolicy: enumOf(['Retain', 'Delete', 'Recycle'], 'What happens to a persistent volume when released from its claim.', 'Retain'),
          storageClassName: str('Name of StorageClass to which this persistent volume belongs.'),
          mountOptions: strList(),
          volumeMode: enumOf(['Block', 'Filesystem'], 'Volume mode.', 'Filesystem'),
          nodeAffinity: opaque(),
          volumeAttributesClassName: str(),
        },
        'PersistentVolumeSpec is the specification of a persistent volume.',
      ),
      'x-kubernetes-preserve-unknown-fields': true,
    },
    obj({ phase: str('Phase indicates if a volume is available, bound to a claim, or released by a claim.'), message: str(), reason: str(), lastPhaseTransitionTime: { type: 'string', format: 'date-time' } }, 'PersistentVolumeStatus is the current status of a persistent volume.'),
  ),
  columns: [
    nameColumn,
    { name: 'Capacity', type: 'string', description: 'Capacity', value: (o) => String(at(o, 'spec.capacity.storage') ?? '') },
    { name: 'Access Modes', type: 'string', description: 'Access modes', value: (o) => ((at(o, 'spec.accessModes') as string[] | undefined) ?? []).map((m) => ({ ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' })[m] ?? m).join(',') },
    { name: 'Reclaim Policy', type: 'string', description: 'Reclaim policy', value: (o) => at(o, 'spec.persistentVolumeReclaimPolicy') },
    { name: 'Status', type: 'string', description: 'Phase', value: (o) => at(o, 'status.phase') ?? '' },
    { name: 'Claim', type: 'string', description: 'Claim', value: claimRef },
    { name: 'StorageClass', type: 'string', description: 'Storage class', value: (o) => at(o, 'spec.storageClassName') ?? '' },
    { name: 'VolumeAttributesClass', type: 'string', description: 'Volume attributes class', value: () => '<unset>' },
    { name: 'Reason', type: 'string', description: 'Reason', value: (o) => at(o, 'status.reason') ?? '' },
    ageColumn,
    { name: 'VolumeMode', type: 'string', priority: 1, description: 'Volume mode', value: (o) => at(o, 'spec.volumeMode') },
  ],
  prepareForCreate(o) {
    o.status = { phase: 'Pending' };
  },
};
