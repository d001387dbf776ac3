import { invalidParameter, notImplemented } from '../common/errors.js';
import { BuildError, builderFor } from '../build/builder.js';
import { bodyStream } from './body.js';
import type { ApiContext } from './context.js';
import { startJsonLines, type JsonLines } from './json-stream.js';
import { boolQuery, parseFilters, strQuery } from './query.js';
import { sendJson } from './respond.js';
import type { ApiRouter } from './router.js';

/**
 * `POST /build` for Docker's legacy builder clients (`docker build` with DOCKER_BUILDKIT=0,
 * docker-compose's `build:`): the body is the context tar; the answer is a JSON-lines stream
 * of `{"stream"}` progress, `{"aux":{"ID"}}` and, on failure, `{"errorDetail","error"}`.
 */
export function registerBuildRoutes(router: ApiRouter): void {
  router.on('POST', '/build', buildHandler);
  router.on('POST', '/build/prune', buildPruneHandler);
}

/**
 * `POST /build/prune` (`docker builder prune`, `docker system prune`): removes the builder's
 * pooled context files that no image layer uses (with `all`, every pooled file).
 */
export async function buildPruneHandler(ctx: ApiContext): Promise<void> {
  parseFilters(ctx.query.get('filters'));
  const { bytes } = builderFor(ctx.engine).prune(boolQuery(ctx.query, 'all'));
  sendJson(ctx, 200, { CachesDeleted: null, SpaceReclaimed: bytes });
}

function jsonParam<T>(q: URLSearchParams, name: string): T | undefined {
  const raw = strQuery(q, name);
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    throw invalidParameter(`invalid ${name} parameter: ${raw}`);
  }
}

export async function buildHandler(ctx: ApiContext): Promise<void> {
  const q = ctx.query;
  if (q.get('version') === '2') throw invalidParameter('BuildKit is not supported by this daemon; build with DOCKER_BUILDKIT=0 (the legacy builder)');
  const remote = strQuery(q, 'remote');
  if (remote) throw notImplemented(`remote build contexts are not supported (no network access): ${remote}`);
  const network = strQuery(q, 'networkmode');
  if (network && !['default', 'none', 'host', 'bridge'].includes(network)) throw invalidParameter(`network mode "${network}" not supported by the builder`);
  const quiet = boolQuery(q, 'q');
  const opts = {
    dockerfile: strQuery(q, 'dockerfile'),
    tags: q.getAll('t').filter((t) => t !== ''),
    target: strQuery(q, 'target'),
    buildArgs: jsonParam<Record<string, string | null>>(q, 'buildargs'),
    labels: jsonParam<Record<string, string>>(q, 'labels'),
    noCache: boolQuery(q, 'nocache'),
    pull: boolQuery(q, 'pull'),
    network: network === 'bridge' ? 'default' : network,
    signal: ctx.signal,
  };
  // Like dockerd: an error before any output (a parse error, an unknown target) is a plain
  // error response; once the stream has begun, errors travel in it.
  let lines: JsonLines | undefined;
  const open = (): JsonLines => (lines ??= startJsonLines(ctx));
  try {
    const id = await builderFor(ctx.engine).build(bodyStream(ctx), opts, {
      stream: (text) => {
        if (!quiet) open().write({ stream: text });
      },
      aux: (obj) => open().write({ aux: obj }),
    });
    if (quiet) open().write({ stream: `${id}\n` });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (!lines) throw err instanceof BuildError ? invalidParameter(message) : err;
    const code = err instanceof BuildError ? err.code : undefined;
    lines.write({ errorDetail: { ...(code ? { code } : {}), message }, error: message });
    ctx.log.debug(`build failed: ${message}`);
  } finally {
    lines?.end();
  }
}
