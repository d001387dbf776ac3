import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authorizer, Grant } from '../auth/authorizer.js';
import { RegistryError, registryError } from '../errors.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { RegistryLayout } from '../storage/layout.js';
import type { RepoStore } from '../storage/repo-store.js';
import type { UploadStore } from '../storage/upload-store.js';

/** The registry's parts, shared by every handler. */
export interface RegistryServices {
  layout: RegistryLayout;
  blobs: BlobStore;
  repos: RepoStore;
  uploads: UploadStore;
  auth: Authorizer;
}

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  services: RegistryServices;
}

/** Asks the authorizer for repository actions; resolves to the caller's grant. */
export function authorizeRepo(ctx: RequestContext, name: string, actions: string[]): Promise<Grant> {
  return ctx.services.auth.authorize(ctx.req, [{ type: 'repository', name, actions }]);
}

export function send(res: ServerResponse, status: number, headers: Record<string, string | number> = {}, body?: string | Buffer): void {
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  if (body !== undefined && !res.hasHeader('content-length')) res.setHeader('content-length', Buffer.byteLength(body));
  else if (body === undefined && !res.hasHeader('content-length')) res.setHeader('content-length', 0);
  res.writeHead(status);
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string | number> = {}): void {
  send(res, status, { 'content-type': 'application/json', ...headers }, JSON.stringify(value));
}

/** Reads a whole (small) request body, refusing more than `limit` bytes. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function tooLarge(limit: number) {
  return new RegistryError('SIZE_INVALID', { message: `manifest is larger than ${limit} bytes`, status: 413 });
}

/** `n` and `last` of a paginated listing; PAGINATION_NUMBER_INVALID for a bad `n`. */
export function pagination(url: URL): { n?: number; last?: string } {
  const nRaw = url.searchParams.get('n');
  const last = url.searchParams.get('last') ?? undefined;
  if (nRaw === null || nRaw === '') return { last };
  const n = Number(nRaw);
  if (!Number.isSafeInteger(n) || n < 0) throw registryError('PAGINATION_NUMBER_INVALID', 'invalid number of results requested', { n: nRaw });
  return { n, last };
}

/** One page of a sorted list, and the `Link` header to the next one when there is more. */
export function paginate(
  items: string[],
  page: { n?: number; last?: string },
  linkBase: string,
): { items: string[]; link?: string } {
  let rest = page.last !== undefined ? items.filter((x) => x > page.last!) : items;
  if (page.n === undefined) return { items: rest };
  const more = rest.length > page.n;
  rest = rest.slice(0, page.n);
  if (!more || rest.length === 0) return { items: rest };
  const next = `${linkBase}?n=${page.n}&last=${encodeURIComponent(rest[rest.length - 1])}`;
  return { items: rest, link: `<${next}>; rel="next"` };
}
