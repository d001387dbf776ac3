/**
 * Decoding of Kubernetes' protobuf request bodies ("k8s\0" + runtime.Unknown{typeMeta, raw}).
 * kubectl's typed clients (`kubectl create namespace|configmap|secret|deployment|service|job|cronjob`)
 * send built-in objects this way and do not fall back to JSON. Only the messages those
 * commands produce are described; fields of undescribed message types are dropped.
 * Field numbers are those of the Kubernetes API's wire format.
 */
import { badRequest } from '../apimachinery/status.js';

type FieldType = 'string' | 'bytes' | 'int32' | 'int64' | 'bool' | 'Time' | 'IntOrString' | 'Quantity' | string;
interface Field {
  name: string;
  type: FieldType;
  repeated?: boolean;
  map?: FieldType;
}
type Message = Record<number, Field>;

const f = (name: string, type: FieldType, opts: { repeated?: boolean; map?: FieldType } = {}): Field => ({ name, type, ...opts });
const rep = (name: string, type: FieldType): Field => f(name, type, { repeated: true });
const map = (name: string, value: FieldType): Field => f(name, 'map', { map: value });

const MESSAGES: Record<string, Message> = {
  ObjectMeta: { 1: f('name', 'string'), 2: f('generateName', 'string'), 3: f('namespace', 'string'), 5: f('uid', 'string'), 6: f('resourceVersion', 'string'), 7: f('generation', 'int64'), 8: f('creationTimestamp', 'Time'), 11: map('labels', 'string'), 12: map('annotations', 'string'), 13: rep('ownerReferences', 'OwnerReference'), 14: rep('finalizers', 'string') },
  OwnerReference: { 1: f('kind', 'string'), 3: f('name', 'string'), 4: f('uid', 'string'), 5: f('apiVersion', 'string'), 6: f('controller', 'bool'), 7: f('blockOwnerDeletion', 'bool') },
  LabelSelector: { 1: map('matchLabels', 'string'), 2: rep('matchExpressions', 'LabelSelectorRequirement') },
  LabelSelectorRequirement: { 1: f('key', 'string'), 2: f('operator', 'string'), 3: rep('values', 'string') },
  Namespace: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'NamespaceSpec'), 3: f('status', 'NamespaceStatus') },
  NamespaceSpec: { 1: rep('finalizers', 'string') },
  NamespaceStatus: { 1: f('phase', 'string') },
  ConfigMap: { 1: f('metadata', 'ObjectMeta'), 2: map('data', 'string'), 3: map('binaryData', 'bytes'), 4: f('immutable', 'bool') },
  Secret: { 1: f('metadata', 'ObjectMeta'), 2: map('data', 'bytes'), 3: f('type', 'string'), 4: map('stringData', 'string'), 5: f('immutable', 'bool') },
  ServiceAccount: { 1: f('metadata', 'ObjectMeta') },
  Deployment: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'DeploymentSpec'), 3: f('status', 'Empty') },
  DeploymentSpec: { 1: f('replicas', 'int32'), 2: f('selector', 'LabelSelector'), 3: f('template', 'PodTemplateSpec'), 4: f('strategy', 'DeploymentStrategy'), 5: f('minReadySeconds', 'int32'), 6: f('revisionHistoryLimit', 'int32'), 7: f('paused', 'bool'), 9: f('progressDeadlineSeconds', 'int32') },
  DeploymentStrategy: { 1: f('type', 'string'), 2: f('rollingUpdate', 'RollingUpdateDeployment') },
  RollingUpdateDeployment: { 1: f('maxUnavailable', 'IntOrString'), 2: f('maxSurge', 'IntOrString') },
  PodTemplateSpec: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'PodSpec') },
  Pod: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'PodSpec'), 3: f('status', 'Empty') },
  PodSpec: {
    2: rep('containers', 'Container'),
    3: f('restartPolicy', 'string'),
    4: f('terminationGracePeriodSeconds', 'int64'),
    5: f('activeDeadlineSeconds', 'int64'),
    6: f('dnsPolicy', 'string'),
    7: map('nodeSelector', 'string'),
    8: f('serviceAccountName', 'string'),
    10: f('nodeName', 'string'),
    11: f('hostNetwork', 'bool'),
    15: rep('imagePullSecrets', 'LocalObjectReference'),
    16: f('hostname', 'string'),
    17: f('subdomain', 'string'),
    19: f('schedulerName', 'string'),
    20: rep('initContainers', 'Container'),
    24: f('priorityClassName', 'string'),
  },
  Container: { 1: f('name', 'string'), 2: f('image', 'string'), 3: rep('command', 'string'), 4: rep('args', 'string'), 5: f('workingDir', 'string'), 6: rep('ports', 'ContainerPort'), 7: rep('env', 'EnvVar'), 8: f('resources', 'ResourceRequirements'), 9: rep('volumeMounts', 'VolumeMount'), 13: f('terminationMessagePath', 'string'), 14: f('imagePullPolicy', 'string'), 16: f('stdin', 'bool'), 17: f('stdinOnce', 'bool'), 18: f('tty', 'bool'), 20: f('terminationMessagePolicy', 'string') },
  ContainerPort: { 1: f('name', 'string'), 2: f('hostPort', 'int32'), 3: f('containerPort', 'int32'), 4: f('protocol', 'string'), 5: f('hostIP', 'string') },
  EnvVar: { 1: f('name', 'string'), 2: f('value', 'string'), 3: f('valueFrom', 'EnvVarSource') },
  EnvVarSource: { 3: f('configMapKeyRef', 'KeySelector'), 4: f('secretKeyRef', 'KeySelector') },
  KeySelector: { 1: f('localObjectReference', 'LocalObjectReference'), 2: f('key', 'string'), 3: f('optional', 'bool') },
  LocalObjectReference: { 1: f('name', 'string') },
  ResourceRequirements: { 1: map('limits', 'Quantity'), 2: map('requests', 'Quantity') },
  VolumeMount: { 1: f('name', 'string'), 2: f('readOnly', 'bool'), 3: f('mountPath', 'string'), 4: f('subPath', 'string') },
  Service: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'ServiceSpec'), 3: f('status', 'Empty') },
  ServiceSpec: { 1: rep('ports', 'ServicePort'), 2: map('selector', 'string'), 3: f('clusterIP', 'string'), 4: f('type', 'string'), 5: rep('externalIPs', 'string'), 7: f('sessionAffinity', 'string'), 10: f('externalName', 'string'), 18: rep('clusterIPs', 'string') },
  ServicePort: { 1: f('name', 'string'), 2: f('protocol', 'string'), 3: f('port', 'int32'), 4: f('targetPort', 'IntOrString'), 5: f('nodePort', 'int32'), 6: f('appProtocol', 'string') },
  Job: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'JobSpec'), 3: f('status', 'Empty') },
  JobSpec: { 1: f('parallelism', 'int32'), 2: f('completions', 'int32'), 3: f('activeDeadlineSeconds', 'int64'), 4: f('selector', 'LabelSelector'), 5: f('manualSelector', 'bool'), 6: f('template', 'PodTemplateSpec'), 7: f('backoffLimit', 'int32'), 8: f('ttlSecondsAfterFinished', 'int32'), 9: f('completionMode', 'string'), 10: f('suspend', 'bool') },
  CronJob: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'CronJobSpec'), 3: f('status', 'Empty') },
  CronJobSpec: { 1: f('schedule', 'string'), 2: f('startingDeadlineSeconds', 'int64'), 3: f('concurrencyPolicy', 'string'), 4: f('suspend', 'bool'), 5: f('jobTemplate', 'JobTemplateSpec'), 6: f('successfulJobsHistoryLimit', 'int32'), 7: f('failedJobsHistoryLimit', 'int32'), 8: f('timeZone', 'string') },
  JobTemplateSpec: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'JobSpec') },
  Empty: {},
};

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw badRequest('protobuf: truncated varint');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  }
  bytes(): Buffer {
    const len = Number(this.varint());
    if (this.pos + len > this.buf.length) throw badRequest('protobuf: truncated field');
    const b = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return b;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw badRequest(`protobuf: unsupported wire type ${wire}`);
  }
}

const toSigned32 = (v: bigint): number => Number(BigInt.asIntN(32, v));
const toSigned64 = (v: bigint): number => Number(BigInt.asIntN(64, v));

function decodeScalar(type: FieldType, r: Reader, wire: number): unknown {
  switch (type) {
    case 'string':
      return r.bytes().toString('utf8');
    case 'bytes':
      return r.bytes().toString('base64');
    case 'int32':
      return toSigned32(r.varint());
    case 'int64':
      return toSigned64(r.varint());
    case 'bool':
      return r.varint() !== 0n;
    case 'Time': {
      const t = decodeMessage({ 1: f('seconds', 'int64'), 2: f('nanos', 'int32') }, r.bytes()) as { seconds?: number };
      return t.seconds ? new Date(t.seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined;
    }
    case 'IntOrString': {
      const v = decodeMessage({ 1: f('type', 'int64'), 2: f('intVal', 'int32'), 3: f('strVal', 'string') }, r.bytes()) as { type?: number; intVal?: number; strVal?: string };
      return v.type === 1 ? (v.strVal ?? '') : (v.intVal ?? 0);
    }
    case 'Quantity':
      return (decodeMessage({ 1: f('string', 'string') }, r.bytes()) as { string?: string }).string ?? '0';
    default: {
      const m = MESSAGES[type];
      if (!m) {
        r.skip(wire);
        return undefined;
      }
      return decodeMessage(m, r.bytes());
    }
  }
}

function decodeMessage(m: Message, buf: Buffer): Record<string, unknown> {
  const r = new Reader(buf);
  const out: Record<string, unknown> = {};
  while (!r.done) {
    const tag = Number(r.varint());
    const num = tag >> 3;
    const wire = tag & 7;
    const field = m[num];
    if (!field) {
      r.skip(wire);
      continue;
    }
    if (field.type === 'map') {
      const entry = decodeMessage({ 1: f('key', 'string'), 2: f('value', field.map!) }, r.bytes());
      const target = (out[field.name] ??= {}) as Record<string, unknown>;
      target[String(entry.key ?? '')] = entry.value ?? (field.map === 'string' || field.map === 'bytes' ? '' : undefined);
      continue;
    }
    if (field.repeated && wire === 2 && ['int32', 'int64', 'bool'].includes(field.type)) {
      const inner = new Reader(r.bytes());
      const list = (out[field.name] ??= []) as unknown[];
      while (!inner.done) list.push(decodeScalar(field.type, inner, 0));
      continue;
    }
    const v = decodeScalar(field.type, r, wire);
    // Go writes non-pointer fields even when empty; JSON (omitempty) would leave them out.
    if (v === undefined || (v === '' && !field.repeated) || (v === false && !field.repeated) || (v === 0 && ZERO_MEANS_UNSET.has(field.name))) continue;
    if (field.repeated) ((out[field.name] ??= []) as unknown[]).push(v);
    else out[field.name] = v;
  }
  return out;
}

const ZERO_MEANS_UNSET = new Set(['hostPort', 'nodePort', 'minReadySeconds', 'generation']);

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** Decodes a protobuf-encoded built-in object into its JSON form. */
export function decodeProtobufObject(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw badRequest('protobuf: missing the k8s envelope prefix');
  const unknown = decodeMessage({ 1: f('typeMeta', 'RuntimeTypeMeta'), 2: f('raw', 'bytes') }, body.subarray(4));
  const tm = unknown.typeMeta as { apiVersion?: string; kind?: string } | undefined;
  const kind = tm?.kind ?? '';
  const message = MESSAGES[kind];
  if (!message || kind === 'Empty') throw badRequest(`protobuf bodies are not supported for kind "${kind}"; send JSON`);
  const raw = Buffer.from((unknown.raw as string | undefined) ?? '', 'base64');
  return { apiVersion: tm?.apiVersion, kind, ...decodeMessage(message, raw) };
}

MESSAGES.RuntimeTypeMeta = { 1: f('apiVersion', 'string'), 2: f('kind', 'string') };
