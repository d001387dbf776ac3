/**
 * apiextensions.k8s.io/v1 CustomResourceDefinition, and the KindDefs its served versions
 * contribute so custom resources run through the same generic machinery.
 */
import { ageOf } from '../apimachinery/duration.js';
import type { KindDef, PrinterColumn } from '../apimachinery/kind.js';
import { isPlainObject, type KObject } from '../apimachinery/object.js';
import { named, type Schema } from '../apimachinery/schema.js';
import type { StatusCause } from '../apimachinery/status.js';
import { ageColumn, nameColumn } from './columns.js';
import { arr, bool, conditions, enumOf, kindSchema, obj, objectMeta, opaque, str, strList } from './dsl.js';
import { evalJsonPath } from './jsonpath.js';

interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema?: { openAPIV3Schema?: Schema };
  subresources?: { status?: object; scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string } };
  additionalPrinterColumns?: { name: string; type: string; jsonPath: string; description?: string; priority?: number; format?: string }[];
}

interface CrdSpec {
  group: string;
  names: { plural: string; singular?: string; kind: string; listKind?: string; shortNames?: string[]; categories?: string[] };
  scope: 'Namespaced' | 'Cluster';
  versions: CrdVersion[];
}

const names = obj({ plural: str('Plural name.'), singular: str('Singular name.'), kind: str('Kind name.'), listKind: str('List kind name.'), shortNames: strList('Short names.'), categories: strList('Categories.') }, 'Names for the custom resource.', { required: ['plural', 'kind'] });

export const crdKind: KindDef = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  kind: 'CustomResourceDefinition',
  plural: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  namespaced: false,
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  builtin: true,
  status: true,
  schema: kindSchema(
    'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition',
    'CustomResourceDefinition represents a resource that should be exposed on the API server.',
    obj(
      {
        group: str('The API group of the defined custom resource.'),
        names,
        scope: enumOf(['Cluster', 'Namespaced'], 'Whether the defined custom resource is cluster- or namespace-scoped.'),
        versions: arr(
          obj(
            {
              name: str('The version name.'),
              served: bool('Whether this version is served via REST APIs.'),
              storage: bool('Whether this version is the storage version.'),
              deprecated: bool(),
              deprecationWarning: str(),
              schema: opaque('Schema used for validation, pruning, and defaulting of this version.'),
              subresources: opaque('Subresources this version of the defined custom resource has.'),
              additionalPrinterColumns: arr(opaque(), 'Additional columns returned in Table output.'),
              selectableFields: arr(opaque()),
            },
            'A version of the custom resource.',
            { required: ['name', 'served', 'storage'] },
          ),
          'The list of all API versions of the defined custom resource.',
        ),
        conversion: opaque('Conversion settings.'),
        preserveUnknownFields: bool(),
      },
      'CustomResourceDefinitionSpec describes how a user wants their resource to appear.',
      { required: ['group', 'names', 'scope', 'versions'] },
    ),
    obj({ conditions, acceptedNames: names, storedVersions: strList() }, 'CustomResourceDefinitionStatus indicates the state of the CustomResourceDefinition.'),
  ),
  columns: [nameColumn, { name: 'Created At', type: 'date', description: 'Creation time', value: (o) => o.metadata.creationTimestamp }],
  prepareForCreate(o) {
    o.status = {};
  },
  defaults(o) {
    const spec = o.spec as Partial<CrdSpec> | undefined;
    if (!spec?.names) return;
    spec.names.singular ??= spec.names.kind?.toLowerCase();
    spec.names.listKind ??= `${spec.names.kind}List`;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    o.status = {
      conditions: [
        { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found', lastTransitionTime: now },
        { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted', lastTransitionTime: now },
      ],
      acceptedNames: spec.names,
      storedVersions: (spec.versions ?? []).filter((v) => v.storage).map((v) => v.name),
    };
  },
  validate(o) {
    const spec = o.spec as CrdSpec | undefined;
    const causes: StatusCause[] = [];
    if (!spec) return [{ reason: 'FieldValueRequired', field: 'spec', message: 'Required value' }];
    if (spec.group && spec.names?.plural && o.metadata.name !== `${spec.names.plural}.${spec.group}`)
      causes.push({ reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "${o.metadata.name}": must be spec.names.plural+"."+spec.group` });
    if (spec.group && !spec.group.includes('.')) causes.push({ reason: 'FieldValueInvalid', field: 'spec.group', message: `Invalid value: "${spec.group}": should be a domain with at least one dot` });
    const vs = spec.versions ?? [];
    if (vs.length === 0) causes.push({ reason: 'FieldValueRequired', field: 'spec.versions', message: 'Required value: must have exactly one version marked as storage version' });
    else if (vs.filter((v) => v.storage).length !== 1) causes.push({ reason: 'FieldValueInvalid', field: 'spec.versions', message: 'Invalid value: must have exactly one version marked as storage version' });
    vs.forEach((v, i) => {
      if (!v.schema?.openAPIV3Schema) causes.push({ reason: 'FieldValueRequired', field: `spec.versions[${i}].schema.openAPIV3Schema`, message: 'Required value: schemas are required' });
    });
    return causes;
  },
};

/** The KindDefs for every served version of an established CRD. */
export function kindsFromCrd(crd: KObject): KindDef[] {
  const spec = crd.spec as CrdSpec | undefined;
  if (!spec || !isPlainObject(spec.names)) return [];
  const reversed = spec.group.split('.').reverse().join('.');
  return (spec.versions ?? [])
    .filter((v) => v.served)
    .map((v) => {
      const root = (v.schema?.openAPIV3Schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }) as Schema;
      const schema = named(`${reversed}.${v.name}.${spec.names.kind}`, {
        ...root,
        type: 'object',
        properties: { ...(root.properties ?? {}), apiVersion: str('APIVersion of the object.'), kind: str('Kind of the object.'), metadata: objectMeta },
      });
      const columns: PrinterColumn[] = [nameColumn];
      for (const c of v.additionalPrinterColumns ?? [])
        columns.push({
          name: c.name,
          type: (['integer', 'number', 'boolean', 'date'].includes(c.type) ? c.type : 'string') as PrinterColumn['type'],
          description: c.description,
          priority: c.priority,
          format: c.format,
          value: (o) => {
            const vals = evalJsonPath(o, c.jsonPath);
            if (vals.length === 0) return c.type === 'string' ? '' : null;
            if (c.type === 'date') return ageOf(String(vals[0]));
            return vals.length === 1 ? (typeof vals[0] === 'object' ? JSON.stringify(vals[0]) : vals[0]) : vals.join(',');
          },
        });
      if (!v.additionalPrinterColumns?.length) columns.push(ageColumn);
      const kind: KindDef = {
        group: spec.group,
        version: v.name,
        kind: spec.names.kind,
        listKind: spec.names.listKind,
        plural: spec.names.plural,
        singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
        namespaced: spec.scope === 'Namespaced',
        shortNames: spec.names.shortNames,
        categories: spec.names.categories,
        schema,
        builtin: false,
        status: !!v.subresources?.status,
        scale: v.subresources?.scale,
        columns,
      };
      return kind;
    });
}

