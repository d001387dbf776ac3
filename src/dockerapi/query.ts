import { invalidParameter } from '../common/errors.js';

/**
 * Query-string readers with Docker's conventions: booleans are "1"/"true" (any case;
 * "0", "false", "" and absence are false), integers must parse, and `filters` is JSON in
 * either of Docker's map forms.
 */
export function boolQuery(q: URLSearchParams, name: string, fallback = false): boolean {
  const v = q.get(name);
  if (v === null) return fallback;
  const s = v.trim().toLowerCase();
  return !(s === '' || s === '0' || s === 'false' || s === 'no');
}

export function intQuery(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?[0-9]+$/.test(v.trim())) throw invalidParameter(`invalid value for ${name}: ${JSON.stringify(v)}`);
  return Number(v);
}

/** A string parameter, or undefined when absent or empty. */
export function strQuery(q: URLSearchParams, name: string): string | undefined {
  const v = q.get(name);
  return v === null || v === '' ? undefined : v;
}

/**
 * Docker's `filters` parameter: `{"label":["a=b"]}` (current) or `{"label":{"a=b":true}}`
 * (the older map form clients still send). Returns name → values; `{}` when absent.
 */
export function parseFilters(raw: string | null | undefined): Record<string, string[]> {
  if (raw === null || raw === undefined || raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw invalidParameter(`invalid filter: ${(err as Error).message}`, err);
  }
  if (parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidParameter('invalid filter: expected a JSON object');
  const out: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (Array.isArray(value)) {
      out[key] = value.map((v) => String(v));
    } else if (value && typeof value === 'object') {
      out[key] = Object.entries(value as Record<string, unknown>)
        .filter(([, on]) => on === true)
        .map(([k]) => k);
    } else {
      throw invalidParameter(`invalid filter '${key}': values must be a list or a map`);
    }
  }
  return out;
}

/** Unix seconds from an API `since`/`until` value: "1700000000", "1700000000.5" or an RFC 3339 date. */
export function timeQuery(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (/^-?[0-9]+(\.[0-9]+)?$/.test(v)) return Number(v);
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw invalidParameter(`invalid value for ${name}: ${JSON.stringify(v)}`);
  return ms / 1000;
}
