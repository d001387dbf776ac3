import { RegistryError, registryError } from '../errors.js';
import { isValidName, parseDigest, requireDigest, type ParsedDigest } from '../grammar.js';
import type { UploadSession } from '../storage/upload-store.js';
import { repoHasBlob } from './blobs.js';
import { authorizeRepo, send, type RequestContext } from './context.js';

const uploadUrl = (name: string, uuid: string) => `/v2/${name}/blobs/uploads/${uuid}`;
const blobUrl = (name: string, d: ParsedDigest) => `/v2/${name}/blobs/${d.digest}`;

/** The spec's `Range: 0-<last byte>` (written `0-0` before the first byte, as Docker's registry does). */
const rangeOf = (s: UploadSession) => `0-${Math.max(0, s.state.size - 1)}`;

function sessionHeaders(name: string, s: UploadSession): Record<string, string> {
  return { location: uploadUrl(name, s.state.uuid), range: rangeOf(s), 'docker-upload-uuid': s.state.uuid };
}

/** The declared body length, when the client sent one. */
function contentLength(ctx: RequestContext): number | undefined {
  const v = ctx.req.headers['content-length'];
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function hasBody(ctx: RequestContext): boolean {
  const n = contentLength(ctx);
  return n !== undefined ? n > 0 : ctx.req.headers['transfer-encoding'] !== undefined;
}

/**
 * POST /v2/<name>/blobs/uploads/: a cross-repository mount (`mount`, `from`), a monolithic
 * upload (`digest` with the body), or a new session (202 with its Location).
 */
export async function startUpload(ctx: RequestContext, name: string): Promise<void> {
  const grant = await authorizeRepo(ctx, name, ['pull', 'push']);
  const { uploads, blobs, repos } = ctx.services;
  const mount = ctx.url.searchParams.get('mount');
  const from = ctx.url.searchParams.get('from');
  if (mount !== null && from !== null) {
    const d = parseDigest(mount);
    // Mount only what the caller could pull anyway; otherwise fall back to a plain upload.
    if (d && isValidName(from) && grant.can('repository', from, 'pull') && (await repoHasBlob(ctx, from, d))) {
      if ((await blobs.claim(d)) !== undefined) {
        await repos.linkLayer(name, d);
        send(ctx.res, 201, { location: blobUrl(name, d), 'docker-content-digest': d.digest });
        return;
      }
    }
  }
  const digestParam = ctx.url.searchParams.get('digest');
  const session = await uploads.create(name);
  if (digestParam !== null) {
    try {
      const d = requireDigest(digestParam);
      await uploads.append(session, ctx.req, contentLength(ctx));
      await commit(ctx, name, session, d);
    } finally {
      await uploads.remove(session);
    }
    return;
  }
  send(ctx.res, 202, sessionHeaders(name, session));
}

/** PATCH a chunk: `Content-Range` (when sent) must start where the session ends, or 416. */
export async function patchUpload(ctx: RequestContext, name: string, uuid: string): Promise<void> {
  await authorizeRepo(ctx, name, ['pull', 'push']);
  const { uploads } = ctx.services;
  const session = await uploads.get(name, uuid);
  await uploads.exclusive(session, async () => {
    const length = checkedChunkLength(ctx, name, session);
    await uploads.append(session, ctx.req, length);
    send(ctx.res, 202, sessionHeaders(name, session));
  });
}

/** PUT ?digest=: the optional last chunk, then verification and commit (201). */
export async function finishUpload(ctx: RequestContext, name: string, uuid: string): Promise<void> {
  await authorizeRepo(ctx, name, ['pull', 'push']);
  const { uploads } = ctx.services;
  const session = await uploads.get(name, uuid);
  await uploads.exclusive(session, async () => {
    const d = requireDigest(ctx.url.searchParams.get('digest'));
    if (hasBody(ctx)) await uploads.append(session, ctx.req, checkedChunkLength(ctx, name, session));
    await commit(ctx, name, session, d);
    await uploads.remove(session);
  });
}

/** GET an upload's progress: 204 with its Range. */
export async function uploadStatus(ctx: RequestContext, name: string, uuid: string): Promise<void> {
  await authorizeRepo(ctx, name, ['pull']);
  const { uploads } = ctx.services;
  const session = await uploads.get(name, uuid);
  await uploads.exclusive(session, async () => send(ctx.res, 204, sessionHeaders(name, session)));
}

/** DELETE: cancels the session and drops its bytes. */
export async function cancelUpload(ctx: RequestContext, name: string, uuid: string): Promise<void> {
  await authorizeRepo(ctx, name, ['pull', 'push']);
  const { uploads } = ctx.services;
  const session = await uploads.get(name, uuid);
  await uploads.exclusive(session, () => uploads.remove(session));
  send(ctx.res, 204);
}

/** Verifies the session's bytes against `d`, moves them into the blob store, links the repo. */
async function commit(ctx: RequestContext, name: string, session: UploadSession, d: ParsedDigest): Promise<void> {
  const { uploads, blobs, repos } = ctx.services;
  const path = await uploads.verify(session, d);
  await blobs.commitFile(path, d);
  await repos.linkLayer(name, d);
  send(ctx.res, 201, { location: blobUrl(name, d), 'docker-content-digest': d.digest });
}

/**
 * The chunk length a request declares through Content-Range and Content-Length, after checking
 * that the chunk starts at the session's current end (416 with the current Range otherwise).
 */
function checkedChunkLength(ctx: RequestContext, name: string, session: UploadSession): number | undefined {
  const declared = contentLength(ctx);
  const cr = ctx.req.headers['content-range'];
  if (cr === undefined) return declared;
  const m = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(cr.trim());
  const outOfOrder = (why: string) =>
    new RegistryError('RANGE_INVALID', { message: why, status: 416, headers: sessionHeaders(name, session) });
  if (!m) throw outOfOrder(`malformed Content-Range ${cr}`);
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (end < start) throw outOfOrder(`malformed Content-Range ${cr}`);
  if (start !== session.state.size) {
    throw outOfOrder(`chunk starts at ${start} but the upload has ${session.state.size} bytes`);
  }
  const length = end - start + 1;
  if (declared !== undefined && declared !== length) {
    throw registryError('SIZE_INVALID', `Content-Length ${declared} does not match Content-Range ${cr}`);
  }
  return length;
}
