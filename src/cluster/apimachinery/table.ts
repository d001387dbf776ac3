/**
 * Server-side printing: the meta.k8s.io/v1 Table that `kubectl get` asks for, built from
 * the kind's printer columns (Name and Age when it has none).
 */
import { ageOf } from './duration.js';
import type { KindDef, PrinterColumn } from './kind.js';
import type { KObject } from './object.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string; continue?: string };
  columnDefinitions: { name: string; type: string; format: string; description: string; priority: number }[];
  rows: { cells: unknown[]; object?: unknown }[];
}

const defaultColumns: PrinterColumn[] = [
  { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', value: (o) => o.metadata.name },
  { name: 'Age', type: 'date', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.', value: (o) => ageOf(o.metadata.creationTimestamp) },
];

export function columnsOf(k: KindDef): PrinterColumn[] {
  return k.columns?.length ? k.columns : defaultColumns;
}

function rowObject(o: KObject, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return o;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

export function toTable(k: KindDef, objects: KObject[], meta: { resourceVersion?: string; continue?: string }, include: IncludeObject = 'Metadata', noHeaders = false): Table {
  const cols = columnsOf(k);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: meta,
    columnDefinitions: noHeaders
      ? []
      : cols.map((c) => ({ name: c.name, type: c.type === 'date' ? 'string' : c.type, format: c.format ?? '', description: c.description ?? '', priority: c.priority ?? 0 })),
    rows: objects.map((o) => {
      const row: { cells: unknown[]; object?: unknown } = {
        cells: cols.map((c) => {
          try {
            const v = c.value(o);
            return v === undefined || v === null ? (c.type === 'string' ? '' : null) : v;
          } catch {
            return null;
          }
        }),
      };
      const obj = rowObject(o, include);
      if (obj !== undefined) row.object = obj;
      return row;
    }),
  };
}

/** What the client asked for in Accept: a Table, partial metadata, or plain objects. */
export function wantedRepresentation(accept: string | undefined): 'Table' | 'PartialObjectMetadata' | 'PartialObjectMetadataList' | 'json' {
  for (const part of (accept ?? '').split(',')) {
    const params = new Map(
      part
        .split(';')
        .slice(1)
        .map((p) => p.trim().split('=') as [string, string]),
    );
    const media = part.split(';')[0].trim();
    if (media !== 'application/json' && media !== '*/*') continue;
    const as = params.get('as');
    if (!as) return 'json';
    if (params.get('g') === 'meta.k8s.io' && (params.get('v') === 'v1' || params.get('v') === 'v1beta1')) {
      if (as === 'Table') return 'Table';
      if (as === 'PartialObjectMetadata') return 'PartialObjectMetadata';
      if (as === 'PartialObjectMetadataList') return 'PartialObjectMetadataList';
    }
  }
  return 'json';
}
