/** The networking area's front: the service the engine opens and the shapes it speaks. */
export { NetworkService } from './network-service.js';
export { DEFAULT_BRIDGE, DEFAULT_SUBNET, DEFAULT_POOLS, type NetworkServiceOptions } from './network-registry.js';
export type { NetworkCreateBody } from './network-create.js';
export type { AttachOptions, AttachResult, EndpointSettings, PortBindings } from './types.js';
export { attachOptionsFrom } from './attach-options.js';
