import { API_VERSION, MIN_API_VERSION, WHARF_VERSION } from '../engine/version.js';

/** The Engine API versions this daemon speaks (one definition, in the engine); every route answers with or without a `/vX.Y` prefix. */
export { API_VERSION, MIN_API_VERSION };
/** What the `Server` header calls this daemon. */
export const SERVER_NAME = `Wharf/${WHARF_VERSION} (linux)`;

/** Compares dotted versions numerically ("1.9" < "1.24"); -1, 0 or 1. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Splits `/v1.45/containers/json` into the version and the unversioned path. */
export function splitVersionPrefix(path: string): { version?: string; path: string } {
  const m = /^\/v([0-9]+(?:\.[0-9]+)*)(\/.*)?$/.exec(path);
  if (!m) return { path };
  return { version: m[1], path: m[2] ?? '/' };
}

/** dockerd's wording for a version outside [MIN_API_VERSION, API_VERSION], or undefined when acceptable. */
export function versionProblem(version: string): string | undefined {
  if (compareVersions(version, API_VERSION) > 0) {
    return `client version ${version} is too new. Maximum supported API version is ${API_VERSION}`;
  }
  if (compareVersions(version, MIN_API_VERSION) < 0) {
    return `client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`;
  }
  return undefined;
}
