import type { KindDef } from '../apimachinery/kind.js';
import { ageColumn, at, nameColumn } from './columns.js';
import { int, kindSchema, obj, str } from './dsl.js';

export const leaseKind: KindDef = {
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  plural: 'leases',
  singular: 'lease',
  namespaced: true,
  builtin: true,
  schema: kindSchema(
    'io.k8s.api.coordination.v1.Lease',
    'Lease defines a lease concept.',
    obj(
      {
        holderIdentity: str('The identity of the holder of a current lease.'),
        leaseDurationSeconds: int('Duration that candidates for a lease need to wait to force acquire it.'),
        acquireTime: { type: 'string', format: 'date-time', description: 'When the current lease was acquired.' },
        renewTime: { type: 'string', format: 'date-time', description: 'When the current holder of a lease has last updated the lease.' },
        leaseTransitions: int('The number of transitions of a lease between holders.'),
        strategy: str(),
        preferredHolder: str(),
      },
      'LeaseSpec is a specification of a Lease.',
    ),
  ),
  columns: [nameColumn, { name: 'Holder', type: 'string', description: 'Holder', value: (o) => at(o, 'spec.holderIdentity') ?? '' }, ageColumn],
};
