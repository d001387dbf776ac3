import { invalidParameter } from '../common/errors.js';
import type { ContainerRecord } from './container-record.js';

const KNOWN = new Set(['id', 'name', 'label', 'status', 'exited', 'ancestor', 'before', 'since', 'health', 'volume', 'network', 'is-task', 'expose', 'publish']);
const STATUSES = new Set(['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead']);

/** Matches `key` or `key=value` label filters as dockerd does. */
export function matchLabels(labels: Record<string, string> | undefined, wanted: string[]): boolean {
  return wanted.every((w) => {
    const i = w.indexOf('=');
    if (i < 0) return labels?.[w] !== undefined;
    return labels?.[w.slice(0, i)] === w.slice(i + 1);
  });
}

/**
 * Builds the predicate for `docker ps --filter`: values of one key are ORed, keys are
 * ANDed. `resolve` turns before/since references into containers; `imageMatches` answers
 * ancestor filters (the image or one built on it).
 */
export function containerFilter(
  filters: Record<string, string[]>,
  resolve: (ref: string) => ContainerRecord,
  imageMatches: (rec: ContainerRecord, ref: string) => boolean,
): (rec: ContainerRecord) => boolean {
  for (const k of Object.keys(filters)) if (!KNOWN.has(k)) throw invalidParameter(`invalid filter '${k}'`);
  for (const s of filters.status ?? []) {
    if (!STATUSES.has(s)) throw invalidParameter(`invalid filter 'status=${s}'`);
  }
  const before = filters.before?.map((r) => Date.parse(resolve(r).created));
  const since = filters.since?.map((r) => Date.parse(resolve(r).created));
  return (rec) => {
    const any = (key: string, pred: (v: string) => boolean) => !filters[key]?.length || filters[key].some(pred);
    const created = Date.parse(rec.created);
    return (
      any('id', (v) => rec.id.startsWith(v)) &&
      any('name', (v) => new RegExp(v).test(rec.name) || new RegExp(v).test(`/${rec.name}`)) &&
      (!filters.label?.length || matchLabels(rec.config.Labels, filters.label)) &&
      any('status', (v) => rec.state.status === v) &&
      any('exited', (v) => rec.state.status === 'exited' && rec.state.exitCode === Number(v)) &&
      any('ancestor', (v) => imageMatches(rec, v)) &&
      any('health', (v) => (rec.state.health?.Status ?? 'none') === v) &&
      any('network', (v) => rec.hostConfig.NetworkMode === v) &&
      any('is-task', (v) => v === 'false') &&
      (!before || before.every((t) => created < t)) &&
      (!since || since.every((t) => created > t))
    );
  };
}
