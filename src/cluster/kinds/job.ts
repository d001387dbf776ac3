import type { KindDef } from '../apimachinery/kind.js';
import { humanDuration } from '../apimachinery/duration.js';
import { randomUUID } from 'node:crypto';
import { ageColumn, at, nameColumn, num } from './columns.js';
import { bool, conditions, enumOf, int, int64, kindSchema, labelSelector, obj, opaque, str, time } from './dsl.js';
import { podTemplateSpec, validatePodSpec } from './pod-spec.js';
import { defaultTemplate, spec, wideWorkloadColumns } from './workload.js';
import { deepEqual, isPlainObject } from '../apimachinery/object.js';

export const jobKind: KindDef = {
  group: 'batch',
  version: 'v1',
  kind: 'Job',
  plural: 'jobs',
  singular: 'job',
  namespaced: true,
  categories: ['all'],
  builtin: true,
  status: true,
  schema: kindSchema(
    'io.k8s.api.batch.v1.Job',
    'Job represents the configuration of a single job.',
    obj(
      {
        parallelism: int('Maximum desired number of pods the job should run at any given time.', { default: 1 }),
        completions: int('Desired number of successfully finished pods.'),
        activeDeadlineSeconds: int64(),
        podFailurePolicy: opaque(),
        successPolicy: opaque(),
        backoffLimit: int('Number of retries before marking this job failed.', { default: 6 }),
        backoffLimitPerIndex: int(),
        maxFailedIndexes: int(),
        selector: labelSelector,
        manualSelector: bool(),
        template: podTemplateSpec,
        ttlSecondsAfterFinished: int(),
        completionMode: enumOf(['NonIndexed', 'Indexed'], 'How pod completions are tracked.', 'NonIndexed'),
        suspend: bool('Whether the Job controller should create Pods or not.', { default: false }),
        podReplacementPolicy: str(),
        managedBy: str(),
      },
      'JobSpec describes how the job execution will look like.',
      { required: ['template'] },
    ),
    obj({ conditions, startTime: time(), completionTime: time(), active: int(), succeeded: int(), failed: int(), terminating: int(), completedIndexes: str(), failedIndexes: str(), uncountedTerminatedPods: opaque(), ready: int() }, 'JobStatus represents the current state of a Job.'),
  ),
  columns: [
    nameColumn,
    { name: 'Status', type: 'string', description: 'Status of the job.', value: (o) => (((at(o, 'status.conditions') as { type: string; status: string }[] | undefined) ?? []).find((c) => c.status === 'True' && (c.type === 'Complete' || c.type === 'Failed'))?.type ?? 'Running') },
    { name: 'Completions', type: 'string', description: 'The completion status.', value: (o) => `${num(o, 'status.succeeded')}/${(at(o, 'spec.completions') as number | undefined) ?? 1}` },
    {
      name: 'Duration',
      type: 'string',
      description: 'Time the job took.',
      value: (o) => {
        const start = at(o, 'status.startTime') as string | undefined;
        if (!start) return '';
        const end = (at(o, 'status.completionTime') as string | undefined) ?? new Date().toISOString();
        return humanDuration(Date.parse(end) - Date.parse(start));
      },
    },
    ageColumn,
    ...wideWorkloadColumns,
  ],
  defaults(o) {
    defaultTemplate(o);
    const s = spec(o);
    // Jobs select their own pods by a generated controller-uid label unless told otherwise.
    if (!s.manualSelector && !s.selector) {
      const uid = (o.metadata.labels?.['batch.kubernetes.io/controller-uid'] as string | undefined) ?? randomUUID();
      s.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
      const t = (isPlainObject(s.template) ? s.template : (s.template = {})) as Record<string, unknown>;
      const meta = (isPlainObject(t.metadata) ? t.metadata : (t.metadata = {})) as { labels?: Record<string, string> };
      meta.labels = { ...(meta.labels ?? {}), 'batch.kubernetes.io/controller-uid': uid, 'controller-uid': uid, 'batch.kubernetes.io/job-name': o.metadata.name ?? '', 'job-name': o.metadata.name ?? '' };
    }
    if (s.completions === undefined && s.parallelism === undefined) s.completions = 1;
    if (s.completions === undefined && s.parallelism === 1) s.completions = 1;
  },
  validate(o, old) {
    const s = spec(o);
    const causes = validatePodSpec((s.template as Record<string, unknown> | undefined)?.spec, 'spec.template.spec');
    const rp = at(o, 'spec.template.spec.restartPolicy');
    if (rp !== 'Never' && rp !== 'OnFailure')
      causes.push({ reason: 'FieldValueNotSupported', field: 'spec.template.spec.restartPolicy', message: `Unsupported value: "${String(rp)}": supported values: "OnFailure", "Never"` });
    if (old && !deepEqual(at(old, 'spec.template'), s.template) && !s.suspend)
      causes.push({ reason: 'FieldValueInvalid', field: 'spec.template', message: 'Invalid value: field is immutable' });
    return causes;
  },
};

