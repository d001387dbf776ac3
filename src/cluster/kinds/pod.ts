import type { KindDef } from '../apimachinery/kind.js';
import { deepEqual, isPlainObject, type KObject } from '../apimachinery/object.js';
import { ageColumn, at, nameColumn } from './columns.js';
import { arr, conditions, enumOf, kindSchema, obj, opaque, str, time } from './dsl.js';
import { defaultPodSpec, mutablePodSpecPaths, podSpec, validatePodSpec } from './pod-spec.js';

type ContainerStatus = { ready?: boolean; restartCount?: number; state?: Record<string, { reason?: string }> };
const statuses = (o: KObject): ContainerStatus[] => (at(o, 'status.containerStatuses') as ContainerStatus[] | undefined) ?? [];
const containerCount = (o: KObject): number => ((at(o, 'spec.containers') as unknown[] | undefined) ?? []).length;

/** What `kubectl get pods` shows in STATUS: a waiting/terminated reason wins over the phase. */
function podStatusText(o: KObject): string {
  if (o.metadata.deletionTimestamp) return 'Terminating';
  let reason = (at(o, 'status.reason') as string | undefined) ?? (at(o, 'status.phase') as string | undefined) ?? 'Pending';
  for (const s of statuses(o)) {
    const r = s.state?.waiting?.reason ?? s.state?.terminated?.reason;
    if (r) reason = r;
  }
  return reason;
}

export const podKind: KindDef = {
  group: '',
  version: 'v1',
  kind: 'Pod',
  plural: 'pods',
  singular: 'pod',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
  builtin: true,
  status: true,
  extraSubresources: [
    { name: 'binding', kind: 'Binding', verbs: ['create'] },
    { name: 'log', kind: 'Pod', verbs: ['get'] },
    { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
    { name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
    { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
    { name: 'eviction', kind: 'Eviction', verbs: ['create'] },
    { name: 'ephemeralcontainers', kind: 'Pod', verbs: ['get', 'patch', 'update'] },
  ],
  schema: kindSchema(
    'io.k8s.api.core.v1.Pod',
    'Pod is a collection of containers that can run on a host.',
    podSpec,
    obj(
      {
        phase: enumOf(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'], 'The phase of a Pod.'),
        conditions,
        message: str('A human readable message.'),
        reason: str('A brief CamelCase message.'),
        nominatedNodeName: str('Nominated node.'),
        hostIP: str('IP of the host.'),
        hostIPs: arr(opaque()),
        podIP: str('IP address allocated to the pod.'),
        podIPs: arr(opaque()),
        startTime: time('Time the pod was acknowledged by the kubelet.'),
        initContainerStatuses: arr(opaque()),
        containerStatuses: arr(opaque('ContainerStatus.'), 'Statuses of containers.'),
        ephemeralContainerStatuses: arr(opaque()),
        qosClass: str('Quality of Service class.'),
        resize: str(),
        resourceClaimStatuses: arr(opaque()),
      },
      'PodStatus represents information about the status of a pod.',
    ),
  ),
  columns: [
    nameColumn,
    { name: 'Ready', type: 'string', description: 'The aggregate readiness state of this pod for accepting traffic.', value: (o) => `${statuses(o).filter((s) => s.ready).length}/${containerCount(o)}` },
    { name: 'Status', type: 'string', description: 'The aggregate status of the containers in this pod.', value: podStatusText },
    { name: 'Restarts', type: 'string', description: 'The number of times the containers in this pod have been restarted.', value: (o) => String(statuses(o).reduce((n, s) => n + (s.restartCount ?? 0), 0)) },
    ageColumn,
    { name: 'IP', type: 'string', priority: 1, description: 'The IP address assigned to the pod', value: (o) => at(o, 'status.podIP') ?? '<none>' },
    { name: 'Node', type: 'string', priority: 1, description: 'The name of the node assigned to the pod', value: (o) => at(o, 'spec.nodeName') ?? '<none>' },
    { name: 'Nominated Node', type: 'string', priority: 1, description: 'The nominated node', value: (o) => at(o, 'status.nominatedNodeName') ?? '<none>' },
    { name: 'Readiness Gates', type: 'string', priority: 1, description: 'The readiness gates', value: () => '<none>' },
  ],
  fieldSelectors: {
    'spec.nodeName': (o) => (at(o, 'spec.nodeName') as string | undefined) ?? '',
    'spec.restartPolicy': (o) => at(o, 'spec.restartPolicy') as string,
    'spec.schedulerName': (o) => at(o, 'spec.schedulerName') as string,
    'spec.serviceAccountName': (o) => at(o, 'spec.serviceAccountName') as string,
    'spec.hostNetwork': (o) => String(at(o, 'spec.hostNetwork') === true),
    'status.phase': (o) => at(o, 'status.phase') as string,
    'status.podIP': (o) => at(o, 'status.podIP') as string,
    'status.nominatedNodeName': (o) => at(o, 'status.nominatedNodeName') as string,
  },
  defaults: (o) => {
    defaultPodSpec(o.spec);
    const spec = o.spec as Record<string, unknown> | undefined;
    if (isPlainObject(spec) && spec.serviceAccountName === undefined) {
      spec.serviceAccountName = 'default';
      spec.serviceAccount = 'default';
    }
  },
  prepareForCreate(o) {
    o.status = { phase: 'Pending', qosClass: 'BestEffort' };
  },
  validate(o, old) {
    const causes = validatePodSpec(o.spec, 'spec');
    if (old) {
      // Most of a pod's spec is fixed once created.
      const strip = (s: unknown): Record<string, unknown> => {
        const c = { ...(s as Record<string, unknown>) };
        for (const p of mutablePodSpecPaths) delete c[p];
        c.containers = ((c.containers as Record<string, unknown>[]) ?? []).map((x) => ({ ...x, image: undefined }));
        if (!(old.spec as Record<string, unknown>)?.nodeName) delete c.nodeName;
        return c;
      };
      if (!deepEqual(strip(o.spec), strip(old.spec)))
        causes.push({ reason: 'FieldValueForbidden', field: 'spec', message: 'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)' });
    }
    return causes;
  },
  gracePeriod(o, requested) {
    // Unbound pods have no agent to stop them: they go at once.
    if (!at(o, 'spec.nodeName')) return 0;
    return requested ?? ((at(o, 'spec.terminationGracePeriodSeconds') as number | undefined) ?? 30);
  },
};
