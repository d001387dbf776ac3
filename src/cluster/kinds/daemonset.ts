import type { KindDef } from '../apimachinery/kind.js';
import { ageColumn, at, nameColumn, num, selectorString } from './columns.js';
import { conditions, int, kindSchema, labelSelector, obj, opaque } from './dsl.js';
import { podTemplateSpec } from './pod-spec.js';
import { defaultTemplate, spec, validateWorkload, wideWorkloadColumns } from './workload.js';

export const daemonSetKind: KindDef = {
  group: 'apps',
  version: 'v1',
  kind: 'DaemonSet',
  plural: 'daemonsets',
  singular: 'daemonset',
  namespaced: true,
  shortNames: ['ds'],
  categories: ['all'],
  builtin: true,
  status: true,
  schema: kindSchema(
    'io.k8s.api.apps.v1.DaemonSet',
    'DaemonSet represents the configuration of a daemon set.',
    obj({ selector: labelSelector, template: podTemplateSpec, updateStrategy: opaque('An update strategy to replace existing DaemonSet pods with new pods.'), minReadySeconds: int(), revisionHistoryLimit: int('Revisions kept.', { default: 10 }) }, 'DaemonSetSpec is the specification of a daemon set.', { required: ['selector', 'template'] }),
    obj({ currentNumberScheduled: int(), numberMisscheduled: int(), desiredNumberScheduled: int(), numberReady: int(), observedGeneration: int(), updatedNumberScheduled: int(), numberAvailable: int(), numberUnavailable: int(), collisionCount: int(), conditions }, 'DaemonSetStatus represents the current status of a daemon set.'),
  ),
  columns: [
    nameColumn,
    { name: 'Desired', type: 'integer', description: 'Desired pods.', value: (o) => num(o, 'status.desiredNumberScheduled') },
    { name: 'Current', type: 'integer', description: 'Current pods.', value: (o) => num(o, 'status.currentNumberScheduled') },
    { name: 'Ready', type: 'integer', description: 'Ready pods.', value: (o) => num(o, 'status.numberReady') },
    { name: 'Up-to-date', type: 'integer', description: 'Updated pods.', value: (o) => num(o, 'status.updatedNumberScheduled') },
    { name: 'Available', type: 'integer', description: 'Available pods.', value: (o) => num(o, 'status.numberAvailable') },
    { name: 'Node Selector', type: 'string', description: 'Node selector.', value: (o) => selectorString(at(o, 'spec.template.spec.nodeSelector')) },
    ageColumn,
    ...wideWorkloadColumns,
  ],
  defaults(o) {
    defaultTemplate(o);
    spec(o).updateStrategy ??= { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } };
  },
  validate: (o, old) => validateWorkload(o, old),
};
