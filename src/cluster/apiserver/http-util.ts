/** Small HTTP helpers: bounded body reading and JSON / Status responses. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { decodeProtobufObject } from './protobuf.js';
import { ApiError, badRequest, toApiError, tooLarge, unsupportedMediaType } from '../apimachinery/status.js';

/** Kubernetes refuses bodies over 1.5 MiB (etcd's request limit) with 413. */
export const MAX_BODY_BYTES = 1.5 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<string> {
  return (await readRaw(req)).toString('utf8');
}

export async function readRaw(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  const chunks: Buffer[] = [];
  let size = 0;
  let over = declared > MAX_BODY_BYTES;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) over = true;
    // An oversized body is still read to its end (and dropped) so the client gets the 413.
    if (size > 4 * MAX_BODY_BYTES) break;
    if (!over) chunks.push(chunk);
  }
  if (over) throw tooLarge();
  return Buffer.concat(chunks);
}

/** Decodes a create/update body (JSON, or YAML when sent as such). */
export function decodeObject(contentType: string | undefined, raw: Buffer | string): unknown {
  const media = (contentType ?? 'application/json').split(';')[0].trim();
  if (media === 'application/vnd.kubernetes.protobuf') return decodeProtobufObject(Buffer.isBuffer(raw) ? raw : Buffer.from(raw));
  if (!['application/json', 'application/yaml', 'application/x-yaml', 'text/yaml', '*/*', ''].includes(media)) throw unsupportedMediaType(media);
  const text = raw.toString();
  if (text.trim() === '') throw badRequest('Object \'Kind\' is missing in \'\'');
  try {
    if (media === 'application/yaml' || media === 'application/x-yaml' || media === 'text/yaml') return parseYaml(text);
    return JSON.parse(text);
  } catch (err) {
    throw badRequest(`json: ${(err as Error).message.split('\n')[0]}`, [{ reason: 'FieldValueInvalid', message: (err as Error).message.split('\n')[0] }]);
  }
}

export function sendJson(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown): number {
  const e = toApiError(err);
  if (res.headersSent) {
    res.destroy();
    return e.code;
  }
  sendJson(res, e.code, e.toStatus());
  return e.code;
}

export function sendText(res: ServerResponse, code: number, text: string, type = 'text/plain; charset=utf-8', headers: Record<string, string> = {}): void {
  res.writeHead(code, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export const isApiError = (e: unknown): e is ApiError => e instanceof ApiError;
