import type { KindDef } from '../apimachinery/kind.js';
import { ageColumn, at, nameColumn } from './columns.js';
import { arr, bool, conditions, kindSchema, obj, opaque, quantity, str, strList } from './dsl.js';

type Cond = { type: string; status: string };

export const nodeKind: KindDef = {
  group: '',
  version: 'v1',
  kind: 'Node',
  plural: 'nodes',
  singular: 'node',
  namespaced: false,
  shortNames: ['no'],
  builtin: true,
  status: true,
  extraSubresources: [{ name: 'proxy', kind: 'NodeProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] }],
  schema: kindSchema(
    'io.k8s.api.core.v1.Node',
    'Node is a worker node in Kubernetes.',
    obj({ podCIDR: str('Pod IP range assigned to the node.'), podCIDRs: strList(), providerID: str(), unschedulable: bool('Unschedulable controls node schedulability of new pods.'), taints: arr(opaque('Taint.'), 'If specified, the node\'s taints.'), configSource: opaque(), externalID: str() }, 'NodeSpec describes the attributes that a node is created with.'),
    obj(
      {
        capacity: { type: 'object', additionalProperties: quantity() },
        allocatable: { type: 'object', additionalProperties: quantity() },
        phase: str(),
        conditions,
        addresses: arr(opaque()),
        daemonEndpoints: opaque(),
        nodeInfo: opaque(),
        images: arr(opaque()),
        volumesInUse: strList(),
        volumesAttached: arr(opaque()),
        config: opaque(),
        runtimeHandlers: arr(opaque()),
        features: opaque(),
      },
      'NodeStatus is information about the current status of a node.',
    ),
  ),
  columns: [
    nameColumn,
    {
      name: 'Status',
      type: 'string',
      description: 'The status of the node',
      value: (o) => {
        const ready = ((at(o, 'status.conditions') as Cond[] | undefined) ?? []).find((c) => c.type === 'Ready');
        const s = ready?.status === 'True' ? 'Ready' : 'NotReady';
        return at(o, 'spec.unschedulable') ? `${s},SchedulingDisabled` : s;
      },
    },
    { name: 'Roles', type: 'string', description: 'The roles of the node', value: (o) => Object.keys(o.metadata.labels ?? {}).filter((k) => k.startsWith('node-role.kubernetes.io/')).map((k) => k.slice(24)).join(',') || '<none>' },
    ageColumn,
    { name: 'Version', type: 'string', description: 'Kubelet version', value: (o) => at(o, 'status.nodeInfo.kubeletVersion') ?? '' },
    { name: 'Internal-IP', type: 'string', priority: 1, description: 'Internal IP', value: (o) => ((at(o, 'status.addresses') as { type: string; address: string }[] | undefined) ?? []).find((a) => a.type === 'InternalIP')?.address ?? '<none>' },
    { name: 'OS-Image', type: 'string', priority: 1, description: 'OS image', value: (o) => at(o, 'status.nodeInfo.osImage') ?? '<unknown>' },
    { name: 'Kernel-Version', type: 'string', priority: 1, description: 'Kernel version', value: (o) => at(o, 'status.nodeInfo.kernelVersion') ?? '<unknown>' },
    { name: 'Container-Runtime', type: 'string', priority: 1, description: 'Container runtime', value: (o) => at(o, 'status.nodeInfo.containerRuntimeVersion') ?? '<unknown>' },
  ],
  fieldSelectors: { 'spec.unschedulable': (o) => String(at(o, 'spec.unschedulable') === true) },
};
