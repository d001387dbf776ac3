/**
 * Label and field selectors in Kubernetes' query-string syntax:
 *   labels: "a=b,c!=d,e in (x,y),f notin (z),g,!h"   fields: "metadata.name=x,status.phase!=Running"
 * Both parse into a predicate; parse errors are 400 BadRequest.
 */
import { badRequest } from './status.js';

export type LabelRequirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | '!' };

export type Labels = Record<string, string> | undefined;

export function parseLabelSelector(text: string): LabelRequirement[] {
  const reqs: LabelRequirement[] = [];
  let i = 0;
  const s = text.trim();
  const skipWs = (): void => {
    while (s[i] === ' ') i++;
  };
  const readKey = (): string => {
    const m = /^[A-Za-z0-9._\-/]+/.exec(s.slice(i));
    if (!m) throw badRequest(`unable to parse requirement: found '${s.slice(i, i + 1) || 'EOF'}', expected: identifier`);
    i += m[0].length;
    return m[0];
  };
  while (i < s.length) {
    skipWs();
    if (s[i] === '!') {
      i++;
      skipWs();
      reqs.push({ key: readKey(), op: '!' });
    } else {
      const key = readKey();
      skipWs();
      const rest = s.slice(i);
      let m: RegExpExecArray | null;
      if ((m = /^(==|=|!=)/.exec(rest))) {
        i += m[1].length;
        skipWs();
        const v = /^[A-Za-z0-9._-]*/.exec(s.slice(i))![0];
        i += v.length;
        reqs.push({ key, op: m[1] === '!=' ? 'notin' : 'in', values: [v] });
      } else if ((m = /^(in|notin)\s*\(([^)]*)\)/.exec(rest))) {
        i += m[0].length;
        const values = m[2].split(',').map((x) => x.trim());
        reqs.push({ key, op: m[1] as 'in' | 'notin', values });
      } else {
        reqs.push({ key, op: 'exists' });
      }
    }
    skipWs();
    if (i < s.length) {
      if (s[i] !== ',') throw badRequest(`unable to parse requirement: found '${s[i]}', expected: ','`);
      i++;
    }
  }
  return reqs;
}

export function matchLabels(reqs: LabelRequirement[], labels: Labels): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.op) {
      case 'exists':
        return has;
      case '!':
        return !has;
      case 'in':
        return has && r.values.includes(l[r.key]);
      case 'notin':
        return !has || !r.values.includes(l[r.key]);
    }
  });
}

/** A metav1.LabelSelector ({matchLabels, matchExpressions}) as requirements. */
export function fromLabelSelectorObject(sel: {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}): LabelRequirement[] {
  const reqs: LabelRequirement[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) reqs.push({ key: k, op: 'in', values: [v] });
  for (const e of sel.matchExpressions ?? []) {
    const op = e.operator.toLowerCase();
    if (op === 'in' || op === 'notin') reqs.push({ key: e.key, op, values: e.values ?? [] });
    else if (op === 'exists') reqs.push({ key: e.key, op: 'exists' });
    else if (op === 'doesnotexist') reqs.push({ key: e.key, op: '!' });
  }
  return reqs;
}

/** Formats a LabelSelector object as selector text ("app=x,tier in (a,b)"). */
export function labelSelectorText(sel: {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}): string {
  return fromLabelSelectorObject(sel)
    .map((r) => {
      if (r.op === 'exists') return r.key;
      if (r.op === '!') return `!${r.key}`;
      if (!('values' in r)) return r.key;
      if (r.values.length === 1 && r.op === 'in') return `${r.key}=${r.values[0]}`;
      if (r.values.length === 1) return `${r.key}!=${r.values[0]}`;
      return `${r.key} ${r.op} (${r.values.join(',')})`;
    })
    .join(',');
}

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

export function parseFieldSelector(text: string): FieldRequirement[] {
  if (!text.trim()) return [];
  return text.split(',').map((part) => {
    const m = /^\s*([^=!]+?)\s*(==|=|!=)\s*(.*?)\s*$/.exec(part);
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
    return { field: m[1], op: m[2] === '!=' ? '!=' : '=', value: m[3] };
  });
}

/**
 * Checks field requirements against the kind's selectable fields. An unknown field is
 * Kubernetes' 400 ("field label not supported").
 */
export function checkFieldSelector(reqs: FieldRequirement[], supported: Set<string>, kind: string): void {
  for (const r of reqs)
    if (!supported.has(r.field)) throw badRequest(`field label not supported: ${r.field}`, [{ reason: 'FieldValueInvalid', field: r.field, message: `"${r.field}" is not a known field selector: only "${[...supported].join('", "')}" (${kind})` }]);
}

export function matchFields(reqs: FieldRequirement[], fields: Record<string, string>): boolean {
  return reqs.every((r) => ((fields[r.field] ?? '') === r.value) === (r.op === '='));
}
