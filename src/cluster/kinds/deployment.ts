import type { KindDef } from '../apimachinery/kind.js';
import { ageColumn, nameColumn, num } from './columns.js';
import { bool, conditions, enumOf, int, intOrString, kindSchema, labelSelector, obj } from './dsl.js';
import { podTemplateSpec } from './pod-spec.js';
import { defaultTemplate, spec, validateWorkload, wideWorkloadColumns } from './workload.js';

export const deploymentKind: KindDef = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  plural: 'deployments',
  singular: 'deployment',
  namespaced: true,
  shortNames: ['deploy'],
  categories: ['all'],
  builtin: true,
  status: true,
  scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: 'spec.selector' },
  schema: kindSchema(
    'io.k8s.api.apps.v1.Deployment',
    'Deployment enables declarative updates for Pods and ReplicaSets.',
    obj(
      {
        replicas: int('Number of desired pods.', { default: 1 }),
        selector: labelSelector,
        template: podTemplateSpec,
        strategy: obj(
          {
            type: enumOf(['Recreate', 'RollingUpdate'], 'Type of deployment.', 'RollingUpdate'),
            rollingUpdate: obj({ maxUnavailable: intOrString('The maximum number of pods that can be unavailable during the update.'), maxSurge: intOrString('The maximum number of pods that can be scheduled above the desired number of pods.') }),
          },
          'The deployment strategy to use to replace existing pods with new ones.',
        ),
        minReadySeconds: int('Minimum number of seconds for which a newly created pod should be ready.'),
        revisionHistoryLimit: int('The number of old ReplicaSets to retain.', { default: 10 }),
        paused: bool('Indicates that the deployment is paused.'),
        progressDeadlineSeconds: int('The maximum time in seconds for a deployment to make progress.', { default: 600 }),
      },
      'DeploymentSpec is the specification of the desired behavior of the Deployment.',
      { required: ['selector', 'template'] },
    ),
    obj(
      {
        observedGeneration: int('The generation observed by the deployment controller.'),
        replicas: int('Total number of non-terminated pods targeted by this deployment.'),
        updatedReplicas: int('Total number of non-terminated pods that have the desired template spec.'),
        readyReplicas: int('Number of pods targeted by this Deployment with a Ready Condition.'),
        availableReplicas: int('Total number of available pods.'),
        unavailableReplicas: int('Total number of unavailable pods.'),
        conditions,
        collisionCount: int('Count of hash collisions for the Deployment.'),
        terminatingReplicas: int(),
      },
      'DeploymentStatus is the most recently observed status of the Deployment.',
    ),
  ),
  columns: [
    nameColumn,
    { name: 'Ready', type: 'string', description: 'Number of the pod with ready state', value: (o) => `${num(o, 'status.readyReplicas')}/${num(o, 'spec.replicas')}` },
    { name: 'Up-to-date', type: 'string', description: 'Total number of non-terminated pods that have the desired template spec.', value: (o) => num(o, 'status.updatedReplicas') },
    { name: 'Available', type: 'string', description: 'Total number of available pods.', value: (o) => num(o, 'status.availableReplicas') },
    ageColumn,
    ...wideWorkloadColumns,
  ],
  defaults(o) {
    defaultTemplate(o);
    const s = spec(o);
    const strategy = (s.strategy ??= {}) as Record<string, unknown>;
    strategy.type ??= 'RollingUpdate';
    if (strategy.type === 'RollingUpdate') {
      const ru = (strategy.rollingUpdate ??= {}) as Record<string, unknown>;
      ru.maxUnavailable ??= '25%';
      ru.maxSurge ??= '25%';
    }
  },
  validate: (o, old) => validateWorkload(o, old),
};

