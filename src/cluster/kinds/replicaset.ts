import type { KindDef } from '../apimachinery/kind.js';
import { ageColumn, nameColumn, num } from './columns.js';
import { conditions, int, kindSchema, labelSelector, obj } from './dsl.js';
import { podTemplateSpec } from './pod-spec.js';
import { defaultTemplate, validateWorkload, wideWorkloadColumns } from './workload.js';

export const replicaSetKind: KindDef = {
  group: 'apps',
  version: 'v1',
  kind: 'ReplicaSet',
  plural: 'replicasets',
  singular: 'replicaset',
  namespaced: true,
  shortNames: ['rs'],
  categories: ['all'],
  builtin: true,
  status: true,
  scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: 'spec.selector' },
  schema: kindSchema(
    'io.k8s.api.apps.v1.ReplicaSet',
    'ReplicaSet ensures that a specified number of pod replicas are running at any given time.',
    obj({ replicas: int('Number of desired pods.', { default: 1 }), minReadySeconds: int('Minimum ready seconds.'), selector: labelSelector, template: podTemplateSpec }, 'ReplicaSetSpec is the specification of a ReplicaSet.', { required: ['selector'] }),
    obj({ replicas: int('Most recently observed number of replicas.'), fullyLabeledReplicas: int(), readyReplicas: int(), availableReplicas: int(), observedGeneration: int(), conditions, terminatingReplicas: int() }, 'ReplicaSetStatus represents the current status of a ReplicaSet.'),
  ),
  columns: [
    nameColumn,
    { name: 'Desired', type: 'integer', description: 'Number of desired pods.', value: (o) => num(o, 'spec.replicas') },
    { name: 'Current', type: 'integer', description: 'Number of observed pods.', value: (o) => num(o, 'status.replicas') },
    { name: 'Ready', type: 'integer', description: 'Number of ready pods.', value: (o) => num(o, 'status.readyReplicas') },
    ageColumn,
    ...wideWorkloadColumns,
  ],
  defaults: defaultTemplate,
  validate: (o, old) => validateWorkload(o, old),
};
