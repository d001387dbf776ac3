/** Pulling an image through POST /images/create, printing the JSON progress stream. */
import type { ApiClient } from '../api/client.js';
import { jsonLines } from '../api/client.js';
import { CliError } from '../cli-error.js';

/** Splits "name[:tag][@digest]" into fromImage and tag, adding ":latest" as docker does. */
export function splitImageRef(ref: string): { fromImage: string; tag: string } {
  const at = ref.indexOf('@');
  if (at >= 0) return { fromImage: ref.slice(0, at), tag: ref.slice(at + 1) };
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) return { fromImage: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { fromImage: ref, tag: 'latest' };
}

/** "busybox" → "busybox:latest" (what "Unable to find image" prints). */
export function withDefaultTag(ref: string): string {
  if (ref.includes('@')) return ref;
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/') ? ref : `${ref}:latest`;
}

/** Writes one progress message as docker does on a non-terminal. */
export function progressLine(m: Record<string, unknown>): string {
  if (typeof m.stream === 'string') return m.stream;
  const id = typeof m.id === 'string' && m.id ? `${m.id}: ` : '';
  const status = typeof m.status === 'string' ? m.status : '';
  if (!status) return '';
  const progress = typeof m.progress === 'string' && m.progress ? ` ${m.progress}` : '';
  return `${id}${status}${progress}\n`;
}

/** X-Registry-Auth from docker's config.json (shared with `docker login`), or "{}" (loaded only when pulling). */
async function registryAuth(ref: string): Promise<string> {
  let auth: unknown;
  try {
    const { parseNormalizedNamed } = await import('../../reference/reference.js');
    const { lookupAuth } = await import('../../distribution/client/docker-config.js');
    auth = lookupAuth(parseNormalizedNamed(ref).domain);
  } catch {
    // an unparsable reference or unreadable config: the daemon reports what matters
  }
  return Buffer.from(JSON.stringify(auth ?? {})).toString('base64url');
}

/** Pulls `ref`, writing progress to `out`; throws CliError on an error in the stream. */
export async function pullImage(client: ApiClient, ref: string, out: NodeJS.WritableStream, platform?: string): Promise<void> {
  const { fromImage, tag } = splitImageRef(ref);
  const res = await client.call('POST', '/images/create', {
    query: { fromImage, tag, platform },
    headers: { 'X-Registry-Auth': await registryAuth(ref) },
  });
  for await (const m of jsonLines(res)) {
    const err = m.errorDetail as { message?: string } | undefined;
    if (err || typeof m.error === 'string') throw new CliError(err?.message ?? String(m.error), 1);
    const line = progressLine(m);
    if (line) out.write(line);
  }
}
