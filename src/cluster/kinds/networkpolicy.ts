import type { KindDef } from '../apimachinery/kind.js';
import { ageColumn, at, nameColumn, selectorString } from './columns.js';
import { arr, kindSchema, labelSelector, obj, opaque, strList } from './dsl.js';

export const networkPolicyKind: KindDef = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'NetworkPolicy',
  plural: 'networkpolicies',
  singular: 'networkpolicy',
  namespaced: true,
  shortNames: ['netpol'],
  builtin: true,
  schema: kindSchema(
    'io.k8s.api.networking.v1.NetworkPolicy',
    'NetworkPolicy describes what network traffic is allowed for a set of Pods.',
    obj(
      {
        podSelector: labelSelector,
        ingress: arr(opaque('NetworkPolicyIngressRule.'), 'List of ingress rules to be applied to the selected pods.'),
        egress: arr(opaque('NetworkPolicyEgressRule.'), 'List of egress rules to be applied to the selected pods.'),
        policyTypes: strList('List of rule types that the NetworkPolicy relates to.'),
      },
      'NetworkPolicySpec provides the specification of a NetworkPolicy.',
    ),
  ),
  columns: [nameColumn, { name: 'Pod-Selector', type: 'string', description: 'Pod selector', value: (o) => (selectorString(at(o, 'spec.podSelector')) === '<none>' ? '<none>' : selectorString(at(o, 'spec.podSelector'))) }, ageColumn],
  defaults(o) {
    const spec = (o.spec ??= {}) as Record<string, unknown>;
    spec.podSelector ??= {};
    if (!spec.policyTypes) spec.policyTypes = spec.egress ? ['Ingress', 'Egress'] : ['Ingress'];
  },
};
