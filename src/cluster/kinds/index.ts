/** Every built-in kind the API server serves, in discovery order. */
import type { KindDef } from '../apimachinery/kind.js';
import { configMapKind } from './configmap.js';
import { cronJobKind } from './cronjob.js';
import { ingressKind } from './ingress.js';
import { replicationControllerKind } from './replicationcontroller.js';
import { crdKind } from './crd.js';
import { daemonSetKind } from './daemonset.js';
import { deploymentKind } from './deployment.js';
import { endpointsKind } from './endpoints.js';
import { endpointSliceKind } from './endpointslice.js';
import { eventKind } from './event.js';
import { hpaKind } from './hpa.js';
import { jobKind } from './job.js';
import { leaseKind } from './lease.js';
import { namespaceKind } from './namespace.js';
import { networkPolicyKind } from './networkpolicy.js';
import { nodeKind } from './node.js';
import { persistentVolumeKind } from './persistentvolume.js';
import { persistentVolumeClaimKind } from './persistentvolumeclaim.js';
import { podKind } from './pod.js';
import { replicaSetKind } from './replicaset.js';
import { secretKind } from './secret.js';
import { serviceKind } from './service.js';
import { serviceAccountKind } from './serviceaccount.js';
import { statefulSetKind } from './statefulset.js';
import { storageClassKind } from './storageclass.js';

export const builtinKinds: KindDef[] = [
  namespaceKind,
  podKind,
  serviceKind,
  endpointsKind,
  nodeKind,
  configMapKind,
  secretKind,
  serviceAccountKind,
  eventKind,
  persistentVolumeKind,
  persistentVolumeClaimKind,
  replicationControllerKind,
  deploymentKind,
  replicaSetKind,
  statefulSetKind,
  daemonSetKind,
  jobKind,
  cronJobKind,
  leaseKind,
  endpointSliceKind,
  networkPolicyKind,
  ingressKind,
  hpaKind,
  storageClassKind,
  crdKind,
];

export { kindsFromCrd } from './crd.js';
