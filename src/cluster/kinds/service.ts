import { randomInt } from 'node:crypto';
import type { KindDef } from '../apimachinery/kind.js';
import { isPlainObject } from '../apimachinery/object.js';
import { ageColumn, at, nameColumn, selectorString } from './columns.js';
import { arr, bool, conditions, enumOf, int, intOrString, keyedList, kindSchema, obj, opaque, str, strList, strMap } from './dsl.js';

const servicePort = obj(
  {
    name: str('The name of this port within the service.'),
    protocol: enumOf(['TCP', 'UDP', 'SCTP'], 'The IP protocol for this port.', 'TCP'),
    appProtocol: str('The application protocol for this port.'),
    port: int('The port that will be exposed by this service.'),
    targetPort: intOrString('Number or name of the port to access on the pods targeted by the service.'),
    nodePort: int('The port on each node on which this service is exposed.'),
  },
  'ServicePort contains information on service\'s port.',
  { required: ['port'] },
);

type Port = { port?: number; targetPort?: number | string; nodePort?: number; protocol?: string; name?: string };

export const serviceKind: KindDef = {
  group: '',
  version: 'v1',
  kind: 'Service',
  plural: 'services',
  singular: 'service',
  namespaced: true,
  shortNames: ['svc'],
  categories: ['all'],
  builtin: true,
  status: true,
  schema: kindSchema(
    'io.k8s.api.core.v1.Service',
    'Service is a named abstraction of software service consisting of local port that the proxy listens on, and the selector that determines which pods will answer requests sent through the proxy.',
    obj(
      {
        ports: { ...keyedList(servicePort, ['port', 'protocol'], 'The list of ports that are exposed by this service.'), 'x-kubernetes-patch-merge-key': 'port' },
        selector: { ...strMap('Route service traffic to pods with label keys and values matching this selector.'), 'x-kubernetes-map-type': 'atomic' },
        clusterIP: str('The IP address of the service.'),
        clusterIPs: strList('IP addresses assigned to this service.'),
        type: enumOf(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'], 'How the Service is exposed.', 'ClusterIP'),
        externalIPs: strList('IPs for which nodes will also accept traffic.'),
        sessionAffinity: enumOf(['ClientIP', 'None'], 'Session affinity.', 'None'),
        sessionAffinityConfig: opaque(),
        loadBalancerIP: str(),
        loadBalancerSourceRanges: strList(),
        loadBalancerClass: str(),
        externalName: str('The external reference for ExternalName services.'),
        externalTrafficPolicy: str(),
        internalTrafficPolicy: str('Cluster or Local.'),
        healthCheckNodePort: int(),
        publishNotReadyAddresses: bool(),
        ipFamilies: strList(),
        ipFamilyPolicy: str(),
        allocateLoadBalancerNodePorts: bool(),
        trafficDistribution: str(),
      },
      'ServiceSpec describes the attributes that a user creates on a service.',
    ),
    obj({ loadBalancer: obj({ ingress: arr(opaque()) }), conditions }, 'ServiceStatus represents the current status of a service.'),
  ),
  columns: [
    nameColumn,
    { name: 'Type', type: 'string', description: 'The type of the service', value: (o) => at(o, 'spec.type') },
    { name: 'Cluster-IP', type: 'string', description: 'The cluster IP', value: (o) => at(o, 'spec.clusterIP') ?? '<none>' },
    { name: 'External-IP', type: 'string', description: 'External IPs', value: (o) => ((at(o, 'spec.externalIPs') as string[] | undefined) ?? []).join(',') || (at(o, 'spec.type') === 'LoadBalancer' ? '<pending>' : '<none>') },
    { name: 'Port(s)', type: 'string', description: 'The ports', value: (o) => ((at(o, 'spec.ports') as Port[] | undefined) ?? []).map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',') || '<none>' },
    ageColumn,
    { name: 'Selector', type: 'string', priority: 1, description: 'The selector', value: (o) => selectorString(at(o, 'spec.selector')) },
  ],
  fieldSelectors: { 'spec.clusterIP': (o) => at(o, 'spec.clusterIP') as string, 'spec.type': (o) => at(o, 'spec.type') as string },
  defaults(o) {
    const spec = (isPlainObject(o.spec) ? o.spec : (o.spec = {})) as Record<string, unknown>;
    const type = (spec.type as string | undefined) ?? 'ClusterIP';
    for (const p of (spec.ports as Port[] | undefined) ?? []) {
      if (p.targetPort === undefined) p.targetPort = p.port;
      if ((type === 'NodePort' || type === 'LoadBalancer') && p.nodePort === undefined) p.nodePort = randomInt(30000, 32768);
    }
    if (type !== 'ExternalName') {
      if (!spec.clusterIP) spec.clusterIP = `10.43.${randomInt(0, 256)}.${randomInt(1, 255)}`;
      if (!spec.clusterIPs) spec.clusterIPs = spec.clusterIP === 'None' ? ['None'] : [spec.clusterIP];
      spec.ipFamilies ??= ['IPv4'];
      spec.ipFamilyPolicy ??= 'SingleStack';
      spec.internalTrafficPolicy ??= 'Cluster';
    }
    if (type === 'NodePort' || type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
  },
  prepareForCreate(o) {
    o.status = { loadBalancer: {} };
  },
  prepareForUpdate(o, old) {
    // A replaced spec that leaves out allocated values keeps them.
    const spec = o.spec as Record<string, unknown> | undefined;
    const prev = old.spec as Record<string, unknown> | undefined;
    if (!isPlainObject(spec) || !isPlainObject(prev)) return;
    if (!spec.clusterIP && prev.clusterIP) {
      spec.clusterIP = prev.clusterIP;
      spec.clusterIPs = prev.clusterIPs;
    }
    for (const p of (spec.ports as Port[] | undefined) ?? []) {
      const was = ((prev.ports as Port[] | undefined) ?? []).find((q) => q.port === p.port);
      if (p.nodePort === undefined && was?.nodePort) p.nodePort = was.nodePort;
    }
  },
  validate(o, old) {
    const causes = [];
    const spec = (o.spec ?? {}) as Record<string, unknown>;
    const ports = (spec.ports as Port[] | undefined) ?? [];
    if (spec.type !== 'ExternalName' && ports.length === 0 && spec.clusterIP !== 'None')
      causes.push({ reason: 'FieldValueRequired', field: 'spec.ports', message: 'Required value' });
    ports.forEach((p, i) => {
      if (typeof p.port === 'number' && (p.port < 1 || p.port > 65535))
        causes.push({ reason: 'FieldValueInvalid', field: `spec.ports[${i}].port`, message: `Invalid value: ${p.port}: must be between 1 and 65535, inclusive` });
      if (ports.length > 1 && !p.name) causes.push({ reason: 'FieldValueRequired', field: `spec.ports[${i}].name`, message: 'Required value' });
    });
    const oldIP = at(old ?? { metadata: {} }, 'spec.clusterIP');
    if (old && oldIP && spec.clusterIP !== oldIP)
      causes.push({ reason: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', message: `Invalid value: ${JSON.stringify(spec.clusterIP)}: may not change once set` });
    return causes;
  },
};
