import type { KindDef } from '../apimachinery/kind.js';
import { ageColumn, at, nameColumn } from './columns.js';
import { arr, enumOf, kindSchema, opaque } from './dsl.js';

export const endpointSliceKind: KindDef = {
  group: 'discovery.k8s.io',
  version: 'v1',
  kind: 'EndpointSlice',
  plural: 'endpointslices',
  singular: 'endpointslice',
  namespaced: true,
  builtin: true,
  schema: kindSchema('io.k8s.api.discovery.v1.EndpointSlice', 'EndpointSlice represents a subset of the endpoints that implement a service.', undefined, undefined, {
    addressType: enumOf(['IPv4', 'IPv6', 'FQDN'], 'The type of address carried by this EndpointSlice.'),
    endpoints: arr(opaque('Endpoint represents a single logical backend implementing a service.'), 'A list of unique endpoints in this slice.'),
    ports: arr(opaque('EndpointPort.'), 'The network ports exposed by each endpoint in this slice.'),
  }),
  columns: [
    nameColumn,
    { name: 'AddressType', type: 'string', description: 'Address type', value: (o) => at(o, 'addressType') },
    { name: 'Ports', type: 'string', description: 'Ports', value: (o) => ((at(o, 'ports') as { port?: number }[] | undefined) ?? []).map((p) => p.port).join(',') || '<unset>' },
    { name: 'Endpoints', type: 'string', description: 'Endpoints', value: (o) => ((at(o, 'endpoints') as { addresses?: string[] }[] | undefined) ?? []).flatMap((e) => e.addresses ?? []).join(',') || '<unset>' },
    ageColumn,
  ],
  validate(o) {
    return o.addressType ? [] : [{ reason: 'FieldValueRequired', field: 'addressType', message: 'Required value' }];
  },
};
