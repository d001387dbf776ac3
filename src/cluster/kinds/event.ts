import type { KindDef } from '../apimachinery/kind.js';
import { ageOf } from '../apimachinery/duration.js';
import { at, nameColumn } from './columns.js';
import { int, kindSchema, obj, opaque, str, time } from './dsl.js';

export const eventKind: KindDef = {
  group: '',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  singular: 'event',
  namespaced: true,
  shortNames: ['ev'],
  builtin: true,
  schema: kindSchema('io.k8s.api.core.v1.Event', 'Event is a report of an event somewhere in the cluster.', undefined, undefined, {
    involvedObject: obj({ kind: str(), namespace: str(), name: str(), uid: str(), apiVersion: str(), resourceVersion: str(), fieldPath: str() }, 'The object that this event is about.'),
    reason: str('A short, machine understandable string that gives the reason for the transition into the object\'s current status.'),
    message: str('A human-readable description of the status of this operation.'),
    source: obj({ component: str(), host: str() }, 'The component reporting this event.'),
    firstTimestamp: time(),
    lastTimestamp: time(),
    count: int('The number of times this event has occurred.'),
    type: str('Type of this event (Normal, Warning).'),
    eventTime: { type: 'string', format: 'date-time', nullable: true },
    series: opaque(),
    action: str(),
    related: opaque(),
    reportingComponent: str(),
    reportingInstance: str(),
  }),
  columns: [
    { name: 'Last Seen', type: 'string', description: 'Last seen', value: (o) => ageOf((at(o, 'lastTimestamp') as string | undefined) ?? (at(o, 'eventTime') as string | undefined) ?? o.metadata.creationTimestamp) },
    { name: 'Type', type: 'string', description: 'Type', value: (o) => at(o, 'type') ?? '' },
    { name: 'Reason', type: 'string', description: 'Reason', value: (o) => at(o, 'reason') ?? '' },
    { name: 'Object', type: 'string', description: 'Object', value: (o) => `${String(at(o, 'involvedObject.kind') ?? '').toLowerCase()}/${String(at(o, 'involvedObject.name') ?? '')}` },
    { name: 'Message', type: 'string', description: 'Message', value: (o) => at(o, 'message') ?? '' },
    { ...nameColumn, priority: 1 },
  ],
  fieldSelectors: {
    'involvedObject.kind': (o) => at(o, 'involvedObject.kind') as string,
    'involvedObject.namespace': (o) => at(o, 'involvedObject.namespace') as string,
    'involvedObject.name': (o) => at(o, 'involvedObject.name') as string,
    'involvedObject.uid': (o) => at(o, 'involvedObject.uid') as string,
    'involvedObject.apiVersion': (o) => at(o, 'involvedObject.apiVersion') as string,
    'involvedObject.resourceVersion': (o) => at(o, 'involvedObject.resourceVersion') as string,
    'involvedObject.fieldPath': (o) => at(o, 'involvedObject.fieldPath') as string,
    reason: (o) => at(o, 'reason') as string,
    reportingComponent: (o) => at(o, 'reportingComponent') as string,
    source: (o) => at(o, 'source.component') as string,
    type: (o) => at(o, 'type') as string,
  },
};
