import { registryError } from '../errors.js';
import { requireDigest } from '../grammar.js';
import { OCI_INDEX } from '../manifest.js';
import { authorizeRepo, paginate, pagination, send, sendJson, type RequestContext } from './context.js';

/** GET /v2/: the version check (200, or 401 with a challenge when auth is on). */
export async function versionCheck(ctx: RequestContext): Promise<void> {
  await ctx.services.auth.authorize(ctx.req, []);
  sendJson(ctx.res, 200, {});
}

/** GET /v2/<name>/tags/list with `n`/`last` pagination and a `Link` to the next page. */
export async function listTags(ctx: RequestContext, name: string): Promise<void> {
  await authorizeRepo(ctx, name, ['pull']);
  const page = pagination(ctx.url);
  const { repos } = ctx.services;
  const tags = await repos.tags(name);
  if (tags === undefined && !(await repos.exists(name))) {
    throw registryError('NAME_UNKNOWN', 'repository name not known to registry', { name });
  }
  const { items, link } = paginate(tags ?? [], page, `/v2/${name}/tags/list`);
  sendJson(ctx.res, 200, { name, tags: items }, link ? { link } : {});
}

/** GET /v2/_catalog with the same pagination. */
export async function listCatalog(ctx: RequestContext): Promise<void> {
  await ctx.services.auth.authorize(ctx.req, [{ type: 'registry', name: 'catalog', actions: ['*'] }]);
  const page = pagination(ctx.url);
  const { items, link } = paginate(await ctx.services.repos.catalog(), page, '/v2/_catalog');
  sendJson(ctx.res, 200, { repositories: items }, link ? { link } : {});
}

/** GET /v2/<name>/referrers/<digest>: an image index of the manifests whose subject is `digest`. */
export async function listReferrers(ctx: RequestContext, name: string, digest: string): Promise<void> {
  await authorizeRepo(ctx, name, ['pull']);
  const subject = requireDigest(digest);
  const artifactType = ctx.url.searchParams.get('artifactType');
  let manifests = await ctx.services.repos.referrers(name, subject);
  const headers: Record<string, string> = { 'content-type': OCI_INDEX };
  if (artifactType) {
    manifests = manifests.filter((m) => m.artifactType === artifactType);
    headers['oci-filters-applied'] = 'artifactType';
  }
  send(ctx.res, 200, headers, JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }));
}
