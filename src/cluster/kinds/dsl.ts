/** Terse builders for kind schemas; the result is plain OpenAPI v3 (see apimachinery/schema.ts). */
import { named, type Schema } from '../apimachinery/schema.js';

export const str = (description?: string, extra: Schema = {}): Schema => ({ type: 'string', description, ...extra });
export const int = (description?: string, extra: Schema = {}): Schema => ({ type: 'integer', format: 'int32', description, ...extra });
export const int64 = (description?: string, extra: Schema = {}): Schema => ({ type: 'integer', format: 'int64', description, ...extra });
export const num = (description?: string): Schema => ({ type: 'number', format: 'double', description });
export const bool = (description?: string, extra: Schema = {}): Schema => ({ type: 'boolean', description, ...extra });
export const time = (description?: string): Schema => ({ type: 'string', format: 'date-time', description });
export const intOrString = (description?: string): Schema => ({ 'x-kubernetes-int-or-string': true, description });
export const quantity = (description?: string): Schema => ({ 'x-kubernetes-int-or-string': true, description });
export const strMap = (description?: string): Schema => ({ type: 'object', additionalProperties: { type: 'string' }, description });
export const strList = (description?: string, extra: Schema = {}): Schema => ({ type: 'array', items: { type: 'string' }, description, ...extra });
export const enumOf = (values: string[], description?: string, def?: string): Schema => ({ type: 'string', enum: values, description, ...(def !== undefined ? { default: def } : {}) });

export const obj = (properties: Record<string, Schema>, description?: string, extra: Schema = {}): Schema => ({ type: 'object', description, properties, ...extra });

/** An object whose inner structure Wharf does not model yet: any fields are kept. */
export const opaque = (description?: string): Schema => ({ type: 'object', description, 'x-kubernetes-preserve-unknown-fields': true });

export const arr = (items: Schema, description?: string, extra: Schema = {}): Schema => ({ type: 'array', items, description, ...extra });

/** A list merged by `key` in strategic merge patch and server-side apply. */
export const keyedList = (items: Schema, keys: string[], description?: string): Schema => ({
  type: 'array',
  items,
  description,
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': keys,
  'x-kubernetes-patch-merge-key': keys[0],
  'x-kubernetes-patch-strategy': 'merge',
});

export const def = named;

/** The top-level object schema every kind shares. */
export function kindSchema(name: string, description: string, spec?: Schema, status?: Schema, extra: Record<string, Schema> = {}): Schema {
  const properties: Record<string, Schema> = {
    apiVersion: str('APIVersion defines the versioned schema of this representation of an object.'),
    kind: str('Kind is a string value representing the REST resource this object represents.'),
    metadata: objectMeta,
    ...extra,
  };
  if (spec) properties.spec = spec;
  if (status) properties.status = status;
  return named(name, { type: 'object', description, properties });
}

export const ownerReference = def(
  'io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference',
  obj(
    {
      apiVersion: str('API version of the referent.'),
      kind: str('Kind of the referent.'),
      name: str('Name of the referent.'),
      uid: str('UID of the referent.'),
      controller: bool('If true, this reference points to the managing controller.'),
      blockOwnerDeletion: bool('If true, the owner cannot be deleted from storage until this reference is removed (foreground deletion).'),
    },
    'OwnerReference contains enough information to let you identify an owning object.',
    { required: ['apiVersion', 'kind', 'name', 'uid'], 'x-kubernetes-map-type': 'atomic' },
  ),
);

export const objectMeta: Schema = def(
  'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
  obj(
    {
      name: str('Name must be unique within a namespace.'),
      generateName: str('An optional prefix used by the server to generate a unique name when name is not provided.'),
      namespace: str('Namespace defines the space within which each name must be unique.'),
      selfLink: str('Deprecated.'),
      uid: str('UID is the unique in time and space value for this object.'),
      resourceVersion: str('An opaque value that represents the internal version of this object.'),
      generation: int64('A sequence number representing a specific generation of the desired state.'),
      creationTimestamp: time('Time when this object was created.'),
      deletionTimestamp: time('Time at which this resource will be deleted.'),
      deletionGracePeriodSeconds: int64('Seconds allowed for this object to gracefully terminate before it is removed.'),
      labels: strMap('Map of string keys and values that can be used to organize and categorize objects.'),
      annotations: strMap('Annotations is an unstructured key value map stored with a resource.'),
      ownerReferences: { ...keyedList(ownerReference, ['uid'], 'List of objects depended by this object.') },
      finalizers: strList('Must be empty before the object is deleted from the registry.', { 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge' }),
      managedFields: arr(opaque('ManagedFieldsEntry records which manager owns which fields.'), 'Which manager set which fields.'),
    },
    'ObjectMeta is metadata that all persisted resources must have.',
  ),
);

export const labelSelector = def(
  'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector',
  obj(
    {
      matchLabels: strMap('matchLabels is a map of {key,value} pairs.'),
      matchExpressions: arr(
        obj({ key: str('The label key.'), operator: enumOf(['In', 'NotIn', 'Exists', 'DoesNotExist'], 'Operator.'), values: strList('Values.') }, 'A label selector requirement.', { required: ['key', 'operator'] }),
        'matchExpressions is a list of label selector requirements.',
      ),
    },
    'A label selector is a label query over a set of resources.',
    { 'x-kubernetes-map-type': 'atomic' },
  ),
);

export const condition = obj(
  {
    type: str('Type of condition.'),
    status: str('Status of the condition, one of True, False, Unknown.'),
    reason: str('Machine-readable reason for the last transition.'),
    message: str('Human-readable message.'),
    lastTransitionTime: time('Last time the condition transitioned.'),
    lastUpdateTime: time('Last time the condition was updated.'),
    lastProbeTime: time('Last time the condition was probed.'),
    lastHeartbeatTime: time('Last time the condition was heard of.'),
    observedGeneration: int64('The generation the condition was set for.'),
  },
  'A condition of the object.',
);

export const conditions = keyedList(condition, ['type'], 'Current service state of the object.');
