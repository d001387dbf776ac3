/**
 * The engine's error catalogue. Engine code throws these; each API surface maps the
 * kind to its own status code and body once (Docker: `{"message": ...}`).
 * Messages follow dockerd's wording where a client or user would see them.
 */
export type ErrorKind =
  | 'invalid-parameter' // 400
  | 'unauthorized' // 401
  | 'forbidden' // 403
  | 'not-found' // 404
  | 'conflict' // 409
  | 'not-modified' // 304
  | 'not-implemented' // 501
  | 'unavailable' // 503
  | 'internal'; // 500

export class WharfError extends Error {
  readonly kind: ErrorKind;
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.name = 'WharfError';
  }
}

export const invalidParameter = (msg: string, cause?: unknown): WharfError =>
  new WharfError('invalid-parameter', msg, { cause });
export const notFound = (msg: string): WharfError => new WharfError('not-found', msg);
export const conflict = (msg: string): WharfError => new WharfError('conflict', msg);
export const notModified = (msg = ''): WharfError => new WharfError('not-modified', msg);
export const unauthorized = (msg: string): WharfError => new WharfError('unauthorized', msg);
export const forbidden = (msg: string): WharfError => new WharfError('forbidden', msg);
export const notImplemented = (msg: string): WharfError => new WharfError('not-implemented', msg);
export const unavailable = (msg: string): WharfError => new WharfError('unavailable', msg);
export const internal = (msg: string, cause?: unknown): WharfError =>
  new WharfError('internal', msg, { cause });

const statusByKind: Record<ErrorKind, number> = {
  'invalid-parameter': 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'not-modified': 304,
  'not-implemented': 501,
  unavailable: 503,
  internal: 500,
};

/** HTTP status for any thrown value; unknown errors are internal (500). */
export function httpStatusOf(err: unknown): number {
  return err instanceof WharfError ? statusByKind[err.kind] : 500;
}

export function isNotFound(err: unknown): boolean {
  return err instanceof WharfError && err.kind === 'not-found';
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
