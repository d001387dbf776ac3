import type { KindDef } from '../apimachinery/kind.js';
import { ageColumn, nameColumn, num } from './columns.js';
import { conditions, int, kindSchema, obj, strMap } from './dsl.js';
import { podTemplateSpec } from './pod-spec.js';
import { defaultTemplate, spec, wideWorkloadColumns } from './workload.js';
import { validatePodTemplate } from './pod-spec.js';

export const replicationControllerKind: KindDef = {
  group: '',
  version: 'v1',
  kind: 'ReplicationController',
  plural: 'replicationcontrollers',
  singular: 'replicationcontroller',
  namespaced: true,
  shortNames: ['rc'],
  categories: ['all'],
  builtin: true,
  status: true,
  scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: 'spec.selector' },
  schema: kindSchema(
    'io.k8s.api.core.v1.ReplicationController',
    'ReplicationController represents the configuration of a replication controller.',
    obj({ replicas: int('Number of desired pods.', { default: 1 }), minReadySeconds: int(), selector: { ...strMap('Label keys and values that pods must match.'), 'x-kubernetes-map-type': 'atomic' }, template: podTemplateSpec }, 'ReplicationControllerSpec is the specification of a replication controller.'),
    obj({ replicas: int(), fullyLabeledReplicas: int(), readyReplicas: int(), availableReplicas: int(), observedGeneration: int(), conditions }, 'ReplicationControllerStatus represents the current status of a replication controller.'),
  ),
  columns: [
    nameColumn,
    { name: 'Desired', type: 'integer', description: 'Desired pods.', value: (o) => num(o, 'spec.replicas') },
    { name: 'Current', type: 'integer', description: 'Current pods.', value: (o) => num(o, 'status.replicas') },
    { name: 'Ready', type: 'integer', description: 'Ready pods.', value: (o) => num(o, 'status.readyReplicas') },
    ageColumn,
    ...wideWorkloadColumns,
  ],
  defaults(o) {
    defaultTemplate(o);
    // Without a selector, a replication controller selects its template's labels.
    const s = spec(o);
    const labels = (s.template as { metadata?: { labels?: Record<string, string> } } | undefined)?.metadata?.labels;
    if (!s.selector && labels) s.selector = { ...labels };
  },
  validate: (o) => validatePodTemplate(spec(o).template, 'spec.template', spec(o).selector as Record<string, string> | undefined),
};
