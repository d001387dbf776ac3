import type { KindDef } from '../apimachinery/kind.js';
import { ageColumn, nameColumn, num } from './columns.js';
import { arr, conditions, enumOf, int, kindSchema, labelSelector, obj, opaque, str } from './dsl.js';
import { podTemplateSpec } from './pod-spec.js';
import { defaultTemplate, spec, validateWorkload, wideWorkloadColumns } from './workload.js';

export const statefulSetKind: KindDef = {
  group: 'apps',
  version: 'v1',
  kind: 'StatefulSet',
  plural: 'statefulsets',
  singular: 'statefulset',
  namespaced: true,
  shortNames: ['sts'],
  categories: ['all'],
  builtin: true,
  status: true,
  scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: 'spec.selector' },
  schema: kindSchema(
    'io.k8s.api.apps.v1.StatefulSet',
    'StatefulSet represents a set of pods with consistent identities.',
    obj(
      {
        replicas: int('Desired number of replicas.', { default: 1 }),
        selector: labelSelector,
        template: podTemplateSpec,
        volumeClaimTemplates: arr(opaque('PersistentVolumeClaim.'), 'Claims that pods are allowed to reference.'),
        serviceName: str('The name of the service that governs this StatefulSet.'),
        podManagementPolicy: enumOf(['OrderedReady', 'Parallel'], 'How pods are created during initial scale up.', 'OrderedReady'),
        updateStrategy: opaque('The strategy used to update pods.'),
        revisionHistoryLimit: int('Revisions kept.', { default: 10 }),
        minReadySeconds: int(),
        persistentVolumeClaimRetentionPolicy: opaque(),
        ordinals: opaque(),
      },
      'A StatefulSetSpec is the specification of a StatefulSet.',
      { required: ['selector', 'template'] },
    ),
    obj({ observedGeneration: int(), replicas: int(), readyReplicas: int(), currentReplicas: int(), updatedReplicas: int(), currentRevision: str(), updateRevision: str(), collisionCount: int(), conditions, availableReplicas: int() }, 'StatefulSetStatus represents the current state of a StatefulSet.'),
  ),
  columns: [nameColumn, { name: 'Ready', type: 'string', description: 'Number of ready pods.', value: (o) => `${num(o, 'status.readyReplicas')}/${num(o, 'spec.replicas')}` }, ageColumn, ...wideWorkloadColumns.slice(0, 2)],
  defaults(o) {
    defaultTemplate(o);
    const s = spec(o);
    s.updateStrategy ??= { type: 'RollingUpdate', rollingUpdate: { partition: 0 } };
    s.persistentVolumeClaimRetentionPolicy ??= { whenDeleted: 'Retain', whenScaled: 'Retain' };
  },
  validate: (o, old) => validateWorkload(o, old),
};
