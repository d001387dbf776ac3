import type { KindDef } from '../apimachinery/kind.js';
import { ageColumn, at, nameColumn } from './columns.js';
import { arr, kindSchema, opaque } from './dsl.js';

type Subset = { addresses?: { ip: string }[]; ports?: { port: number }[] };

export const endpointsKind: KindDef = {
  group: '',
  version: 'v1',
  kind: 'Endpoints',
  plural: 'endpoints',
  singular: 'endpoints',
  namespaced: true,
  shortNames: ['ep'],
  builtin: true,
  schema: kindSchema('io.k8s.api.core.v1.Endpoints', 'Endpoints is a collection of endpoints that implement the actual service.', undefined, undefined, {
    subsets: arr(opaque('EndpointSubset is a group of addresses with a common set of ports.'), 'The set of all endpoints is the union of all subsets.'),
  }),
  columns: [
    nameColumn,
    {
      name: 'Endpoints',
      type: 'string',
      description: 'Endpoints of the service.',
      value: (o) => {
        const eps = ((at(o, 'subsets') as Subset[] | undefined) ?? []).flatMap((s) => (s.addresses ?? []).flatMap((a) => (s.ports?.length ? s.ports.map((p) => `${a.ip}:${p.port}`) : [a.ip])));
        return eps.length ? eps.slice(0, 3).join(',') + (eps.length > 3 ? ` + ${eps.length - 3} more...` : '') : '<none>';
      },
    },
    ageColumn,
  ],
};
