/** Printer columns most kinds share. */
import { ageOf } from '../apimachinery/duration.js';
import type { PrinterColumn } from '../apimachinery/kind.js';
import { getPath, isPlainObject, type KObject } from '../apimachinery/object.js';

export const nameColumn: PrinterColumn = { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', value: (o) => o.metadata.name };
export const ageColumn: PrinterColumn = { name: 'Age', type: 'string', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.', value: (o) => ageOf(o.metadata.creationTimestamp) };

export const at = (o: KObject, path: string): unknown => getPath(o, path.split('.'));
export const num = (o: KObject, path: string): number => (typeof at(o, path) === 'number' ? (at(o, path) as number) : 0);
export const countOf = (v: unknown): number => (isPlainObject(v) ? Object.keys(v).length : Array.isArray(v) ? v.length : 0);

export function containersAndImages(template: unknown): { names: string; images: string } {
  const cs = (getPath(template, ['spec', 'containers']) as { name?: string; image?: string }[] | undefined) ?? [];
  return { names: cs.map((c) => c.name ?? '').join(','), images: cs.map((c) => c.image ?? '').join(',') };
}

export function selectorString(sel: unknown): string {
  if (!isPlainObject(sel)) return '<none>';
  const ml = (isPlainObject(sel.matchLabels) ? sel.matchLabels : sel) as Record<string, string>;
  const parts = Object.entries(ml).filter(([, v]) => typeof v === 'string').map(([k, v]) => `${k}=${v}`);
  return parts.length ? parts.join(',') : '<none>';
}
