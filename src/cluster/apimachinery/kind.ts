/**
 * What a kind contributes to the generic machinery: names, scope, one schema (types,
 * defaults, validation, OpenAPI), printer columns, selectable fields and a small strategy.
 * Built-in kinds live in src/cluster/kinds/; custom resources get one from their CRD.
 */
import type { KObject } from './object.js';
import type { Schema } from './schema.js';
import type { StatusCause } from './status.js';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description?: string;
  /** 0: always shown; 1: only with -o wide. */
  priority?: number;
  value(o: KObject): unknown;
}

export interface ScaleSpec {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

export interface KindStrategy {
  /** Fills defaults the schema cannot express (computed from other fields). */
  defaults?(o: KObject): void;
  /** Semantic validation beyond the schema; every error with its field path. */
  validate?(o: KObject, old: KObject | undefined): StatusCause[];
  /** Resets fields a create may not set (typically status). */
  prepareForCreate?(o: KObject): void;
  prepareForUpdate?(o: KObject, old: KObject): void;
  /**
   * Seconds of graceful deletion for this object (0 or undefined: delete at once).
   * Pods bound to a node wait for their node agent.
   */
  gracePeriod?(o: KObject, requested: number | undefined): number | undefined;
  /** Throws (an ApiError) when this object may not be deleted. */
  checkDelete?(o: KObject): void;
}

export interface KindDef extends KindStrategy {
  group: string;
  version: string;
  kind: string;
  listKind?: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  description?: string;
  schema: Schema;
  /** Serves a status subresource; updates of the main resource then keep the old status. */
  status?: boolean;
  scale?: ScaleSpec;
  /** Subresources declared in discovery for other components to serve (log, exec...). */
  extraSubresources?: { name: string; kind: string; verbs: string[] }[];
  columns?: PrinterColumn[];
  /** Extra field selectors besides metadata.name and metadata.namespace. */
  fieldSelectors?: Record<string, (o: KObject) => string | undefined>;
  /** Built-in kinds answer type errors with a 400 decode error; custom resources with 422. */
  builtin: boolean;
  /** Immutable-after-create top-level fields (e.g. Secret/ConfigMap `immutable` semantics aside). */
  verbs?: string[];
}

export const apiVersionOf = (k: { group: string; version: string }): string => (k.group ? `${k.group}/${k.version}` : k.version);

export const DEFAULT_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
