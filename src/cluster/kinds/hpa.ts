import type { KindDef } from '../apimachinery/kind.js';
import { ageColumn, at, nameColumn, num } from './columns.js';
import { arr, conditions, int, kindSchema, obj, opaque, str, time } from './dsl.js';

export const hpaKind: KindDef = {
  group: 'autoscaling',
  version: 'v2',
  kind: 'HorizontalPodAutoscaler',
  plural: 'horizontalpodautoscalers',
  singular: 'horizontalpodautoscaler',
  namespaced: true,
  shortNames: ['hpa'],
  categories: ['all'],
  builtin: true,
  status: true,
  schema: kindSchema(
    'io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler',
    'HorizontalPodAutoscaler is the configuration for a horizontal pod autoscaler.',
    obj(
      {
        scaleTargetRef: obj({ apiVersion: str(), kind: str(), name: str() }, 'Points to the target resource to scale.', { required: ['kind', 'name'] }),
        minReplicas: int('The lower limit for the number of replicas.', { default: 1 }),
        maxReplicas: int('The upper limit for the number of replicas.'),
        metrics: arr(opaque('MetricSpec.'), 'The specifications for which to use to calculate the desired replica count.'),
        behavior: opaque('Scaling behavior of the target.'),
      },
      'HorizontalPodAutoscalerSpec describes the desired functionality of the HorizontalPodAutoscaler.',
      { required: ['scaleTargetRef', 'maxReplicas'] },
    ),
    obj({ observedGeneration: int(), lastScaleTime: time(), currentReplicas: int(), desiredReplicas: int(), currentMetrics: arr(opaque()), conditions }, 'HorizontalPodAutoscalerStatus describes the current status of a horizontal pod autoscaler.'),
  ),
  columns: [
    nameColumn,
    { name: 'Reference', type: 'string', description: 'Reference', value: (o) => `${String(at(o, 'spec.scaleTargetRef.kind'))}/${String(at(o, 'spec.scaleTargetRef.name'))}` },
    { name: 'Targets', type: 'string', description: 'Targets', value: () => '<unknown>' },
    { name: 'MinPods', type: 'string', description: 'Min pods', value: (o) => num(o, 'spec.minReplicas') },
    { name: 'MaxPods', type: 'integer', description: 'Max pods', value: (o) => num(o, 'spec.maxReplicas') },
    { name: 'Replicas', type: 'integer', description: 'Replicas', value: (o) => num(o, 'status.currentReplicas') },
    ageColumn,
  ],
  validate(o) {
    const min = at(o, 'spec.minReplicas') as number;
    const max = at(o, 'spec.maxReplicas') as number;
    if (typeof max === 'number' && typeof min === 'number' && max < min)
      return [{ reason: 'FieldValueInvalid', field: 'spec.maxReplicas', message: `Invalid value: ${max}: must be greater than or equal to \`minReplicas\`` }];
    if (typeof max === 'number' && max < 1) return [{ reason: 'FieldValueInvalid', field: 'spec.maxReplicas', message: `Invalid value: ${max}: must be greater than 0` }];
    return [];
  },
};
