import type { KindDef } from '../apimachinery/kind.js';
import { ageColumn, at, nameColumn } from './columns.js';
import { arr, bool, enumOf, int, int64, kindSchema, obj, objectMeta, opaque, str, time } from './dsl.js';
import { jobKind } from './job.js';

const jobSpec = jobKind.schema.properties!.spec;

export const cronJobKind: KindDef = {
  group: 'batch',
  version: 'v1',
  kind: 'CronJob',
  plural: 'cronjobs',
  singular: 'cronjob',
  namespaced: true,
  shortNames: ['cj'],
  categories: ['all'],
  builtin: true,
  status: true,
  schema: kindSchema(
    'io.k8s.api.batch.v1.CronJob',
    'CronJob represents the configuration of a single cron job.',
    obj(
      {
        schedule: str('The schedule in Cron format.'),
        timeZone: str('The time zone name for the given schedule.'),
        startingDeadlineSeconds: int64(),
        concurrencyPolicy: enumOf(['Allow', 'Forbid', 'Replace'], 'How to treat concurrent executions of a Job.', 'Allow'),
        suspend: bool('Suspend subsequent executions.', { default: false }),
        jobTemplate: obj({ metadata: objectMeta, spec: jobSpec }, 'The job that will be created when executing a CronJob.'),
        successfulJobsHistoryLimit: int('Successful finished jobs to retain.', { default: 3 }),
        failedJobsHistoryLimit: int('Failed finished jobs to retain.', { default: 1 }),
      },
      'CronJobSpec describes how the job execution will look like and when it will actually run.',
      { required: ['schedule', 'jobTemplate'] },
    ),
    obj({ active: arr(opaque('ObjectReference.')), lastScheduleTime: time(), lastSuccessfulTime: time() }, 'CronJobStatus represents the current state of a cron job.'),
  ),
  columns: [
    nameColumn,
    { name: 'Schedule', type: 'string', description: 'Schedule', value: (o) => at(o, 'spec.schedule') },
    { name: 'Timezone', type: 'string', description: 'Time zone', value: (o) => at(o, 'spec.timeZone') ?? '<none>' },
    { name: 'Suspend', type: 'boolean', description: 'Suspended', value: (o) => at(o, 'spec.suspend') === true },
    { name: 'Active', type: 'integer', description: 'Active jobs', value: (o) => ((at(o, 'status.active') as unknown[] | undefined) ?? []).length },
    { name: 'Last Schedule', type: 'string', description: 'Last schedule', value: (o) => (at(o, 'status.lastScheduleTime') ? String(at(o, 'status.lastScheduleTime')) : '<none>') },
    ageColumn,
  ],
  validate(o) {
    const s = String(at(o, 'spec.schedule') ?? '');
    const fields = s.trim().split(/\s+/);
    if (s && !s.startsWith('@') && fields.length !== 5)
      return [{ reason: 'FieldValueInvalid', field: 'spec.schedule', message: `Invalid value: "${s}": expected exactly 5 fields, found ${fields.length}: ${s}` }];
    return [];
  },
};
