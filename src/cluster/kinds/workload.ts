/** Pieces shared by the apps/v1 and batch/v1 workload kinds. */
import { isPlainObject, type KObject } from '../apimachinery/object.js';
import type { StatusCause } from '../apimachinery/status.js';
import { at, containersAndImages, selectorString } from './columns.js';
import type { PrinterColumn } from '../apimachinery/kind.js';
import { defaultPodSpec, validatePodTemplate } from './pod-spec.js';

export const spec = (o: KObject): Record<string, unknown> => (isPlainObject(o.spec) ? o.spec : (o.spec = {})) as Record<string, unknown>;

export function defaultTemplate(o: KObject): void {
  const t = spec(o).template;
  if (isPlainObject(t)) defaultPodSpec(t.spec);
}

/** Selector required, template labels must match it, pod spec valid; selector immutable. */
export function validateWorkload(o: KObject, old: KObject | undefined, opts: { selectorRequired: boolean } = { selectorRequired: true }): StatusCause[] {
  const s = spec(o);
  const causes: StatusCause[] = [];
  const sel = s.selector as { matchLabels?: Record<string, string>; matchExpressions?: unknown[] } | undefined;
  if (opts.selectorRequired && (!sel || (!sel.matchLabels && !sel.matchExpressions)))
    causes.push({ reason: 'FieldValueRequired', field: 'spec.selector', message: 'Required value' });
  else if (sel && Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0 && opts.selectorRequired)
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.selector', message: 'Invalid value: {}: empty selector is invalid for deployment' });
  causes.push(...validatePodTemplate(s.template, 'spec.template', sel?.matchLabels));
  if (typeof s.replicas === 'number' && s.replicas < 0)
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${s.replicas}: must be greater than or equal to 0` });
  if (old && JSON.stringify(at(old, 'spec.selector')) !== JSON.stringify(s.selector))
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.selector', message: `Invalid value: ${JSON.stringify(s.selector)}: field is immutable` });
  return causes;
}

export const wideWorkloadColumns: PrinterColumn[] = [
  { name: 'Containers', type: 'string', priority: 1, description: 'Names of each container in the template.', value: (o) => containersAndImages(at(o, 'spec.template')).names },
  { name: 'Images', type: 'string', priority: 1, description: 'Images referenced by each container in the template.', value: (o) => containersAndImages(at(o, 'spec.template')).images },
  { name: 'Selector', type: 'string', priority: 1, description: 'Label selector.', value: (o) => selectorString(at(o, 'spec.selector')) },
];
