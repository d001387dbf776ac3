import { WharfError, errorMessage, invalidParameter } from '../common/errors.js';
import type { Credentials } from '../distribution/client/auth.js';
import { progressBar, type ProgressMessage } from '../distribution/client/progress.js';
import { pullImage, resolvePull } from '../distribution/client/pull.js';
import { pushRepository, tagsToPush } from '../distribution/client/push.js';
import { RegistryClient } from '../distribution/client/registry-client.js';
import { registryHostsOf } from '../distribution/client/settings.js';
import { ImageStore } from '../images/image-store.js';
import { DEFAULT_DOMAIN, parseNormalizedNamed, validateTag } from '../reference/reference.js';
import { readJson } from './body.js';
import type { ApiContext } from './context.js';
import { startJsonLines, type JsonLines } from './json-stream.js';
import { strQuery } from './query.js';
import { sendJson } from './respond.js';
import type { ApiRouter } from './router.js';

/**
 * Registry operations of the Engine API: pull (called from POST /images/create?fromImage=),
 * push (POST /images/{name}/push, called from the images route's suffix dispatch, since both are
 * wildcards under /images/) and login (POST /auth).
 */
export function registerDistributionRoutes(router: ApiRouter): void {
  router.on('POST', '/auth', authHandler);
}

function storeOf(ctx: ApiContext): ImageStore {
  if (!(ctx.engine.images instanceof ImageStore)) throw new WharfError('not-implemented', 'this engine has no local image store to pull into');
  return ctx.engine.images;
}

/** Decodes X-Registry-Auth (base64url JSON, Docker's AuthConfig); absent or empty means anonymous. */
export function registryAuthOf(ctx: ApiContext): Credentials | undefined {
  const raw = ctx.req.headers['x-registry-auth'];
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  try {
    const json = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Credentials;
    return json.username || json.registrytoken || json.identitytoken ? json : undefined;
  } catch {
    return undefined; // dockerd ignores an unreadable header and pulls anonymously.
  }
}

/** Docker's "progress" text beside progressDetail, so old clients show bars too. */
function withBar(m: ProgressMessage): ProgressMessage {
  const d = m.progressDetail;
  return d && d.total !== undefined && d.current !== undefined ? { ...m, progress: progressBar(d.current, d.total) } : m;
}

function streamError(lines: JsonLines, err: unknown): void {
  const message = errorMessage(err);
  lines.write({ errorDetail: { message }, error: message });
}

/** The reference `fromImage` and `tag` name together (tag may be a digest). */
function pullReference(fromImage: string, tag?: string): string {
  if (!tag) return fromImage;
  if (tag.includes(':')) return `${fromImage}@${tag}`;
  validateTag(tag);
  return `${fromImage}:${tag}`;
}

/**
 * `docker pull`: resolves the manifest first so an unknown image is a plain 404 (as dockerd
 * answers before streaming), then streams Docker's JSON progress messages.
 */
export async function pullHandler(ctx: ApiContext, fromImage: string, tag?: string): Promise<void> {
  const store = storeOf(ctx);
  const ref = parseNormalizedNamed(pullReference(fromImage, tag));
  const opts = { creds: registryAuthOf(ctx), hosts: registryHostsOf(ctx.engine), platform: strQuery(ctx.query, 'platform'), signal: ctx.signal };
  const resolved = await resolvePull(ref, opts);
  const lines = startJsonLines(ctx);
  try {
    await pullImage(store, resolved, { ...opts, onProgress: (m) => lines.write(withBar(m)) });
  } catch (err) {
    streamError(lines, err);
  }
  lines.end();
}

/** `docker push`: `name` is the repository, `tag` the query (all tags when absent). */
export async function pushHandler(ctx: ApiContext, name: string): Promise<void> {
  const store = storeOf(ctx);
  const tag = strQuery(ctx.query, 'tag');
  if (tag) validateTag(tag);
  const repo = parseNormalizedNamed(name);
  if (repo.tag || repo.digest) throw invalidParameter(`invalid reference format`);
  const opts = { creds: registryAuthOf(ctx), hosts: registryHostsOf(ctx.engine), signal: ctx.signal };
  // Resolve the local tags first so a missing image is a 404 rather than a stream error.
  tagsToPush(store, repo, tag);
  const lines = startJsonLines(ctx);
  try {
    await pushRepository(store, repo, tag, { ...opts, onProgress: (m) => lines.write(withBar(m)) });
  } catch (err) {
    streamError(lines, err);
  }
  lines.end();
}

/** The registry domain a login names: "https://index.docker.io/v1/" → docker.io, "http://h:5000" → h:5000. */
export function loginDomain(serverAddress: string | undefined): string {
  if (!serverAddress) return DEFAULT_DOMAIN;
  const host = serverAddress.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
  if (host === 'index.docker.io' || host === 'registry-1.docker.io' || host === 'docker.io') return DEFAULT_DOMAIN;
  return host;
}

/** `docker login`: checks the credentials against the registry; Docker's answers on success and failure. */
export async function authHandler(ctx: ApiContext): Promise<void> {
  const body = ((await readJson(ctx)) ?? {}) as Credentials & { serveraddress?: string };
  const client = new RegistryClient(loginDomain(body.serveraddress), { creds: body, hosts: registryHostsOf(ctx.engine) });
  await client.login();
  sendJson(ctx, 200, { Status: 'Login Succeeded', IdentityToken: '' });
}
