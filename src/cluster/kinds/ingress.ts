import type { KindDef } from '../apimachinery/kind.js';
import { ageColumn, at, nameColumn } from './columns.js';
import { arr, kindSchema, obj, opaque, str } from './dsl.js';

type Rule = { host?: string };

export const ingressKind: KindDef = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'Ingress',
  plural: 'ingresses',
  singular: 'ingress',
  namespaced: true,
  shortNames: ['ing'],
  builtin: true,
  status: true,
  schema: kindSchema(
    'io.k8s.api.networking.v1.Ingress',
    'Ingress is a collection of rules that allow inbound connections to reach the endpoints defined by a backend.',
    obj({ ingressClassName: str('The name of an IngressClass.'), defaultBackend: opaque('Backend for requests matching no rule.'), tls: arr(opaque('IngressTLS.')), rules: arr(opaque('IngressRule.'), 'Host rules.') }, 'IngressSpec describes the Ingress the user wishes to exist.'),
    obj({ loadBalancer: opaque() }, 'IngressStatus describes the current state of the Ingress.'),
  ),
  columns: [
    nameColumn,
    { name: 'Class', type: 'string', description: 'Ingress class', value: (o) => at(o, 'spec.ingressClassName') ?? '<none>' },
    { name: 'Hosts', type: 'string', description: 'Hosts', value: (o) => ((at(o, 'spec.rules') as Rule[] | undefined) ?? []).map((r) => r.host ?? '*').join(',') || '*' },
    { name: 'Address', type: 'string', description: 'Address', value: () => '' },
    { name: 'Ports', type: 'string', description: 'Ports', value: (o) => (((at(o, 'spec.tls') as unknown[] | undefined) ?? []).length ? '80, 443' : '80') },
    ageColumn,
  ],
};
