/** Query parameters of resource requests, parsed and checked once. */
import type { FieldValidation, WriteContext } from '../apimachinery/admission.js';
import { badRequest } from '../apimachinery/status.js';

export function boolParam(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v === 'true' || v === '1' || v === '';
}

export function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw badRequest(`invalid value for ${name}: ${v}`);
  return Number(v);
}

export function writeContext(q: URLSearchParams, userAgent: string | undefined): WriteContext {
  const dry = q.getAll('dryRun');
  for (const d of dry) if (d !== 'All') throw badRequest(`Invalid value: "${d}": supported values: "All"`, [{ reason: 'FieldValueNotSupported', field: 'dryRun', message: `Unsupported value: "${d}": supported values: "All"` }]);
  const fv = q.get('fieldValidation') ?? 'Warn';
  if (!['Strict', 'Warn', 'Ignore'].includes(fv)) throw badRequest(`fieldValidation must be one of Ignore, Warn, Strict: got ${fv}`);
  const manager = q.get('fieldManager') ?? (userAgent ?? 'unknown').split('/')[0].slice(0, 128);
  if (manager.length > 128) throw badRequest('fieldManager: Too long: must have at most 128 bytes');
  return { dryRun: dry.length > 0, fieldManager: manager, fieldValidation: fv as FieldValidation, warnings: [] };
}
