/**
 * The cluster's key-value store: a revisioned map from keys ("/registry/pods/ns/name") to
 * JSON text, with one global, strictly increasing revision as etcd has. Every write is
 * atomic and gets a new revision; that revision is the object's resourceVersion.
 * Implementations: SQLite (embedded, one server) and etcd (shared by several servers).
 * Both pass the conformance suite in store-conformance.ts.
 *
 * Contracts:
 * - create fails with KeyExistsError if the key exists; update/delete with an expected
 *   revision fail with RevisionMismatchError when the stored revision differs, and with
 *   KeyNotFoundError when the key is missing.
 * - watch delivers every change under the prefix after `fromRevision`, in revision order,
 *   exactly once; it throws CompactedError when that history is no longer kept.
 * - list returns keys in ascending order; `after` continues after a key.
 */
export interface KeyValue {
  key: string;
  value: string;
  /** Revision of the last write to this key (the object's resourceVersion). */
  modRevision: number;
}

export interface ListOptions {
  /** Only keys > after (pagination). */
  after?: string;
  limit?: number;
  /** List as of this revision where the implementation keeps history (etcd). */
  revision?: number;
}

export interface ListResult {
  items: KeyValue[];
  /** The store revision the list reflects. */
  revision: number;
  /** More keys follow the last returned one. */
  more: boolean;
}

export interface WatchEvent {
  type: 'PUT' | 'DELETE';
  key: string;
  /** The new value (PUT) or the last value before deletion (DELETE). */
  value: string;
  /** For PUT, the value before the write, when there was one. */
  prevValue?: string;
  revision: number;
  created?: boolean;
}

export interface Watch {
  cancel(): void;
}

export interface WatchHandlers {
  onEvent(ev: WatchEvent): void;
  /** The watch ended for good (store closed or failed). */
  onError?(err: Error): void;
}

export interface Store {
  get(key: string): Promise<KeyValue | undefined>;
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  count(prefix: string): Promise<number>;
  create(key: string, value: string): Promise<number>;
  /** Replaces the value; `expectedRevision` guards against lost updates. */
  update(key: string, value: string, expectedRevision?: number): Promise<number>;
  /** Removes the key; returns the deletion's revision and the last value. */
  delete(key: string, expectedRevision?: number): Promise<{ revision: number; value: string }>;
  /** The current revision of the whole store. */
  currentRevision(): Promise<number>;
  /** The oldest revision a watch may start after (history before it is compacted). */
  compactedRevision(): Promise<number>;
  watch(prefix: string, fromRevision: number, handlers: WatchHandlers): Promise<Watch>;
  close(): Promise<void>;
}

export class KeyExistsError extends Error {
  constructor(readonly key: string) {
    super(`key exists: ${key}`);
  }
}
export class KeyNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`key not found: ${key}`);
  }
}
export class RevisionMismatchError extends Error {
  constructor(readonly key: string) {
    super(`revision mismatch: ${key}`);
  }
}
export class CompactedError extends Error {
  constructor(readonly requested: number, readonly compacted: number) {
    super(`required revision ${requested} has been compacted (oldest kept: ${compacted})`);
  }
}

/** The smallest key greater than every key with this prefix (etcd's range_end). */
export function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}
