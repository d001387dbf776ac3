/** The JSONPath subset CRD printer columns use: .a.b, [n], [*] and [?(@.k=="v")]. */
import { isPlainObject } from '../apimachinery/object.js';

export function evalJsonPath(obj: unknown, path: string): unknown[] {
  const p = path.trim().replace(/^\{|\}$/g, '').replace(/^\$/, '');
  const tokens = p.match(/\.[^.[\]]+|\[[^\]]*\]/g) ?? [];
  let cur: unknown[] = [obj];
  for (const t of tokens) {
    const next: unknown[] = [];
    for (const v of cur) {
      if (t.startsWith('.')) {
        if (isPlainObject(v) && v[t.slice(1)] !== undefined) next.push(v[t.slice(1)]);
      } else if (Array.isArray(v)) {
        const inner = t.slice(1, -1);
        const filt = /^\?\(@\.([\w.-]+)\s*==\s*["']?([^"')]*)["']?\)$/.exec(inner);
        if (inner === '*') next.push(...v);
        else if (filt) next.push(...v.filter((x) => isPlainObject(x) && String(x[filt[1]]) === filt[2]));
        else if (/^-?\d+$/.test(inner)) {
          const i = Number(inner);
          const item = v[i < 0 ? v.length + i : i];
          if (item !== undefined) next.push(item);
        }
      }
    }
    cur = next;
  }
  return cur;
}
