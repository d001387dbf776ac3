import type { Readable } from 'node:stream';
import { PassThrough } from 'node:stream';
import { invalidParameter } from '../common/errors.js';
import type { ApiContext } from './context.js';

const MAX_JSON_BODY = 16 * 1024 * 1024;

/** The request body as a stream (image import/load, archive upload, plain attach stdin). */
export function bodyStream(ctx: ApiContext): Readable {
  if (!ctx.upgrade) return ctx.req;
  const p = new PassThrough();
  p.end(ctx.upgrade.body);
  return p;
}

export async function readBody(ctx: ApiContext, limit = MAX_JSON_BODY): Promise<Buffer> {
  if (ctx.upgrade) return ctx.upgrade.body;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw invalidParameter(`request body larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The body parsed as JSON; undefined when empty. Bad JSON is a 400, as dockerd's. */
export async function readJson<T = Record<string, any>>(ctx: ApiContext): Promise<T | undefined> {
  const raw = (await readBody(ctx)).toString('utf8');
  if (raw.trim() === '') return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch (err) {
    throw invalidParameter(`invalid JSON: ${(err as Error).message}`, err);
  }
}

/** A JSON object body; `{}` when empty, 400 when it is not an object. */
export async function readJsonObject(ctx: ApiContext): Promise<Record<string, any>> {
  const v = await readJson(ctx);
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw invalidParameter('invalid JSON: expected an object');
  return v;
}
