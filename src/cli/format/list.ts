/**
 * Renders rows the way docker's formatter does for `--format`: "table" (the default
 * columns), "table TEMPLATE" (a header line from the column names, aligned by tabwriter),
 * "json" (one JSON object per line, keys sorted), or a bare template per row.
 */
import { alignColumns } from './tabwriter.js';
import { GoTemplate } from './template.js';

export type Row = Record<string, unknown>;

export interface ListFormat {
  /** The user's --format, or undefined for the default table. */
  format?: string;
  defaultTable: string;
  /** Column name → header ("ID" → "CONTAINER ID"). */
  headers: Record<string, string>;
}

/** Replaces the two escapes docker honours in formats ("\t" and "\n" typed literally). */
export function unescapeFormat(format: string): string {
  return format.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
}

export function renderRows(rows: Row[], spec: ListFormat): string {
  let format = spec.format ?? 'table';
  if (format === 'table') format = spec.defaultTable;
  if (format === 'json') return rows.map((r) => `${jsonLine(r)}\n`).join('');
  const isTable = format.startsWith('table');
  const body = unescapeFormat((isTable ? format.slice(5) : format).replace(/^ +| +$/g, ''));
  const tmpl = new GoTemplate(body);
  let text = '';
  if (isTable) text += `${tmpl.execute(headerContext(spec.headers))}\n`;
  for (const r of rows) text += `${tmpl.execute(r)}\n`;
  return isTable ? alignColumns(text) : text;
}

/** Docker marshals a row's fields (not its methods) with sorted keys and HTML escaping. */
export function jsonLine(row: Row): string {
  const sorted: Row = {};
  for (const k of Object.keys(row).sort()) if (typeof row[k] !== 'function') sorted[k] = row[k];
  return escapeHtml(JSON.stringify(sorted));
}

/** Go's json.Marshal escapes <, > and & (and U+2028/2029) inside strings. */
export function escapeHtml(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function headerContext(headers: Record<string, string>): Row {
  const ctx: Row = { ...headers };
  // Methods such as .Label "x" render as their upper-cased name in the header line.
  ctx.Label = () => 'LABEL';
  return ctx;
}
