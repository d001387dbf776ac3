/**
 * Maps a request path to one of the Distribution API's endpoints. Repository names contain
 * slashes, so the endpoint is recognised by its suffix; the name is what precedes it.
 */
export type Route =
  | { kind: 'base' }
  | { kind: 'catalog' }
  | { kind: 'tags'; name: string }
  | { kind: 'manifest'; name: string; reference: string }
  | { kind: 'blob'; name: string; digest: string }
  | { kind: 'uploads'; name: string }
  | { kind: 'upload'; name: string; uuid: string }
  | { kind: 'referrers'; name: string; digest: string };

const PATTERNS: Array<[RegExp, (m: RegExpExecArray) => Route]> = [
  [/^\/v2\/?$/, () => ({ kind: 'base' })],
  [/^\/v2\/_catalog$/, () => ({ kind: 'catalog' })],
  [/^\/v2\/(.+)\/tags\/list$/, (m) => ({ kind: 'tags', name: m[1] })],
  [/^\/v2\/(.+)\/manifests\/([^/]+)$/, (m) => ({ kind: 'manifest', name: m[1], reference: m[2] })],
  [/^\/v2\/(.+)\/blobs\/uploads\/?$/, (m) => ({ kind: 'uploads', name: m[1] })],
  [/^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/, (m) => ({ kind: 'upload', name: m[1], uuid: m[2] })],
  [/^\/v2\/(.+)\/blobs\/([^/]+)$/, (m) => ({ kind: 'blob', name: m[1], digest: m[2] })],
  [/^\/v2\/(.+)\/referrers\/([^/]+)$/, (m) => ({ kind: 'referrers', name: m[1], digest: m[2] })],
];

export function matchRoute(pathname: string): Route | undefined {
  for (const [re, make] of PATTERNS) {
    const m = re.exec(pathname);
    if (m) {
      const route = make(m);
      // Path segments arrive percent-encoded (a digest's ':' may be sent as %3A).
      for (const key of ['reference', 'digest', 'uuid'] as const) {
        if (key in route) {
          const r = route as Record<string, string>;
          try {
            r[key] = decodeURIComponent(r[key]);
          } catch {
            return undefined;
          }
        }
      }
      return route;
    }
  }
  return undefined;
}
