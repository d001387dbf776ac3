/** The pod spec shared by Pod and every workload template, with Kubernetes' defaults and checks. */
import { dnsLabelErrors, isPlainObject, type KObject } from '../apimachinery/object.js';
import type { StatusCause } from '../apimachinery/status.js';
import { arr, bool, def, enumOf, int, int64, intOrString, keyedList, obj, objectMeta, opaque, quantity, str, strList, strMap } from './dsl.js';

const envVar = obj(
  { name: str('Name of the environment variable.'), value: str('Value.'), valueFrom: opaque('Source for the value.') },
  'EnvVar represents an environment variable present in a Container.',
  { required: ['name'] },
);

const containerPort = obj(
  {
    name: str('Name of the port.'),
    containerPort: int('Port number to expose on the pod IP.'),
    hostPort: int('Port number to expose on the host.'),
    hostIP: str('Host IP to bind the external port to.'),
    protocol: enumOf(['TCP', 'UDP', 'SCTP'], 'Protocol for port.', 'TCP'),
  },
  'ContainerPort represents a network port in a single container.',
  { required: ['containerPort'] },
);

const resources = obj(
  {
    limits: { type: 'object', additionalProperties: quantity(), description: 'Limits describes the maximum amount of compute resources allowed.' },
    requests: { type: 'object', additionalProperties: quantity(), description: 'Requests describes the minimum amount of compute resources required.' },
    claims: arr(opaque(), 'Claims.'),
  },
  'ResourceRequirements describes the compute resource requirements.',
);

const volumeMount = obj(
  {
    name: str('This must match the Name of a Volume.'),
    mountPath: str('Path within the container at which the volume should be mounted.'),
    readOnly: bool('Mounted read-only if true.'),
    subPath: str('Path within the volume from which the container\'s volume should be mounted.'),
    subPathExpr: str('Expanded path within the volume.'),
    mountPropagation: str('Mount propagation mode.'),
    recursiveReadOnly: str('Recursive read-only mode.'),
  },
  'VolumeMount describes a mounting of a Volume within a container.',
  { required: ['name', 'mountPath'] },
);

export const container = def(
  'io.k8s.api.core.v1.Container',
  obj(
    {
      name: str('Name of the container specified as a DNS_LABEL.'),
      image: str('Container image name.'),
      command: strList('Entrypoint array.'),
      args: strList('Arguments to the entrypoint.'),
      workingDir: str('Container\'s working directory.'),
      ports: { ...keyedList(containerPort, ['containerPort', 'protocol'], 'List of ports to expose from the container.'), 'x-kubernetes-patch-merge-key': 'containerPort' },
      envFrom: arr(opaque('EnvFromSource.'), 'List of sources to populate environment variables in the container.'),
      env: keyedList(envVar, ['name'], 'List of environment variables to set in the container.'),
      resources,
      resizePolicy: arr(opaque(), 'Resources resize policy for the container.'),
      restartPolicy: str('RestartPolicy defines the restart behavior of individual containers in a pod (init containers only).'),
      volumeMounts: { ...keyedList(volumeMount, ['mountPath'], 'Pod volumes to mount into the container\'s filesystem.') },
      volumeDevices: arr(opaque(), 'volumeDevices is the list of block devices to be used by the container.'),
      livenessProbe: opaque('Periodic probe of container liveness.'),
      readinessProbe: opaque('Periodic probe of container service readiness.'),
      startupProbe: opaque('StartupProbe indicates that the Pod has successfully initialized.'),
      lifecycle: opaque('Actions that the management system should take in response to container lifecycle events.'),
      terminationMessagePath: str('Path at which the file to which the container\'s termination message will be written.', { default: '/dev/termination-log' }),
      terminationMessagePolicy: enumOf(['File', 'FallbackToLogsOnError'], 'Indicate how the termination message should be populated.', 'File'),
      imagePullPolicy: enumOf(['Always', 'Never', 'IfNotPresent'], 'Image pull policy.'),
      securityContext: opaque('SecurityContext defines the security options the container should be run with.'),
      stdin: bool('Whether this container should allocate a buffer for stdin.'),
      stdinOnce: bool('Whether the container runtime should close the stdin channel after it has been opened by a single attach.'),
      tty: bool('Whether this container should allocate a TTY for itself.'),
    },
    'A single application container that you want to run within a pod.',
    { required: ['name'] },
  ),
);

const volume = obj(
  {
    name: str('Name of the volume.'),
    hostPath: opaque('HostPath.'),
    emptyDir: opaque('EmptyDir.'),
    configMap: opaque('ConfigMap.'),
    secret: opaque('Secret.'),
    persistentVolumeClaim: opaque('PersistentVolumeClaim.'),
    projected: opaque('Projected.'),
    downwardAPI: opaque('DownwardAPI.'),
    nfs: opaque('NFS.'),
    csi: opaque('CSI.'),
    ephemeral: opaque('Ephemeral.'),
    image: opaque('Image.'),
  },
  'Volume represents a named volume in a pod.',
  { required: ['name'] },
);

export const podSpec = def(
  'io.k8s.api.core.v1.PodSpec',
  obj(
    {
      volumes: keyedList(volume, ['name'], 'List of volumes that can be mounted by containers belonging to the pod.'),
      initContainers: keyedList(container, ['name'], 'List of initialization containers belonging to the pod.'),
      containers: keyedList(container, ['name'], 'List of containers belonging to the pod.'),
      ephemeralContainers: keyedList(opaque('EphemeralContainer.'), ['name'], 'Ephemeral containers.'),
      restartPolicy: enumOf(['Always', 'OnFailure', 'Never'], 'Restart policy for all containers within the pod.', 'Always'),
      terminationGracePeriodSeconds: int64('Optional duration in seconds the pod needs to terminate gracefully.', { default: 30 }),
      activeDeadlineSeconds: int64('Optional duration in seconds the pod may be active on the node.'),
      dnsPolicy: enumOf(['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'], 'Set DNS policy for the pod.', 'ClusterFirst'),
      nodeSelector: strMap('NodeSelector is a selector which must be true for the pod to fit on a node.'),
      serviceAccountName: str('ServiceAccountName is the name of the ServiceAccount to use to run this pod.'),
      serviceAccount: str('Deprecated alias for ServiceAccountName.'),
      automountServiceAccountToken: bool('Whether a service account token should be automatically mounted.'),
      nodeName: str('NodeName indicates in which node this pod is scheduled.'),
      hostNetwork: bool('Host networking requested for this pod.'),
      hostPID: bool('Use the host\'s pid namespace.'),
      hostIPC: bool('Use the host\'s ipc namespace.'),
      shareProcessNamespace: bool('Share a single process namespace between all of the containers in a pod.'),
      securityContext: opaque('SecurityContext holds pod-level security attributes.'),
      imagePullSecrets: keyedList(obj({ name: str('Name of the referent.') }), ['name'], 'References to secrets for pulling images.'),
      hostname: str('Specifies the hostname of the Pod.'),
      subdomain: str('The subdomain of the pod.'),
      affinity: opaque('If specified, the pod\'s scheduling constraints.'),
      schedulerName: str('The scheduler that dispatches the pod.', { default: 'default-scheduler' }),
      tolerations: arr(opaque('Toleration.'), 'If specified, the pod\'s tolerations.'),
      hostAliases: arr(opaque('HostAlias.'), 'Entries added to the pod\'s hosts file.'),
      priorityClassName: str('Indicates the pod\'s priority.'),
      priority: int('The priority value.'),
      dnsConfig: opaque('DNS parameters of a pod.'),
      readinessGates: arr(opaque(), 'Readiness gates.'),
      runtimeClassName: str('RuntimeClass used to run this pod.'),
      enableServiceLinks: bool('Whether information about services should be injected into pod\'s environment variables.', { default: true }),
      preemptionPolicy: str('PreemptionPolicy.'),
      overhead: { type: 'object', additionalProperties: quantity(), description: 'Overhead.' },
      topologySpreadConstraints: arr(opaque(), 'Topology spread constraints.'),
      setHostnameAsFQDN: bool('Hostname as FQDN.'),
      os: opaque('OS of the containers in the pod.'),
      hostUsers: bool('Use the host\'s user namespace.'),
      schedulingGates: arr(opaque(), 'Scheduling gates.'),
      resourceClaims: arr(opaque(), 'Resource claims.'),
    },
    'PodSpec is a description of a pod.',
    { required: ['containers'] },
  ),
);

export const podTemplateSpec = def(
  'io.k8s.api.core.v1.PodTemplateSpec',
  obj({ metadata: objectMeta, spec: podSpec }, 'PodTemplateSpec describes the data a pod should have when created from a template.'),
);

/** Kubernetes' computed default: "Always" for :latest or untagged images, else "IfNotPresent". */
function pullPolicyFor(image: string): string {
  if (image.includes('@')) return 'IfNotPresent';
  const last = image.split('/').pop() ?? '';
  const tag = last.includes(':') ? last.split(':').pop() : undefined;
  return !tag || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

export function defaultPodSpec(spec: unknown): void {
  if (!isPlainObject(spec)) return;
  for (const list of ['containers', 'initContainers'])
    for (const c of (Array.isArray(spec[list]) ? spec[list] : []) as Record<string, unknown>[])
      if (isPlainObject(c) && c.imagePullPolicy === undefined && typeof c.image === 'string') c.imagePullPolicy = pullPolicyFor(c.image);
  if (spec.serviceAccountName && !spec.serviceAccount) spec.serviceAccount = spec.serviceAccountName;
  if (!spec.securityContext) spec.securityContext = {};
}

export function validatePodSpec(spec: unknown, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (!isPlainObject(spec)) return causes;
  const containers = Array.isArray(spec.containers) ? (spec.containers as Record<string, unknown>[]) : [];
  if (containers.length === 0) causes.push({ reason: 'FieldValueRequired', field: `${path}.containers`, message: 'Required value' });
  const names = new Set<string>();
  for (const [list, items] of [['initContainers', spec.initContainers], ['containers', containers]] as const) {
    ((Array.isArray(items) ? items : []) as Record<string, unknown>[]).forEach((c, i) => {
      const p = `${path}.${list}[${i}]`;
      const name = typeof c.name === 'string' ? c.name : '';
      if (!name) causes.push({ reason: 'FieldValueRequired', field: `${p}.name`, message: 'Required value' });
      else {
        for (const e of dnsLabelErrors(name)) causes.push({ reason: 'FieldValueInvalid', field: `${p}.name`, message: `Invalid value: "${name}": ${e}` });
        if (names.has(name)) causes.push({ reason: 'FieldValueDuplicate', field: `${p}.name`, message: `Duplicate value: "${name}"` });
        names.add(name);
      }
      if (!c.image) causes.push({ reason: 'FieldValueRequired', field: `${p}.image`, message: 'Required value' });
      ((Array.isArray(c.ports) ? c.ports : []) as Record<string, unknown>[]).forEach((port, j) => {
        const n = port.containerPort as number;
        if (typeof n === 'number' && (n < 1 || n > 65535))
          causes.push({ reason: 'FieldValueInvalid', field: `${p}.ports[${j}].containerPort`, message: `Invalid value: ${n}: must be between 1 and 65535, inclusive` });
      });
    });
  }
  return causes;
}

/** Pod spec fields that may change after creation (Kubernetes forbids the rest). */
export const mutablePodSpecPaths = ['activeDeadlineSeconds', 'tolerations', 'terminationGracePeriodSeconds', 'schedulingGates'];

export function validatePodTemplate(template: unknown, path: string, selector: Record<string, string> | undefined): StatusCause[] {
  const causes: StatusCause[] = [];
  if (!isPlainObject(template)) return [{ reason: 'FieldValueRequired', field: path, message: 'Required value' }];
  const labels = (isPlainObject(template.metadata) ? (template.metadata.labels as Record<string, string>) : undefined) ?? {};
  if (selector && Object.entries(selector).some(([k, v]) => labels[k] !== v))
    causes.push({ reason: 'FieldValueInvalid', field: `${path}.metadata.labels`, message: `Invalid value: ${JSON.stringify(labels)}: \`selector\` does not match template \`labels\`` });
  causes.push(...validatePodSpec(template.spec, `${path}.spec`));
  return causes;
}

export const podOf = (o: KObject): Record<string, unknown> => (isPlainObject(o.spec) ? o.spec : {});
