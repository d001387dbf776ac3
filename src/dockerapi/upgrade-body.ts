import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { UpgradeSocket } from './context.js';

/** Upgrade requests carry small JSON bodies (exec start); anything larger is refused. */
const MAX_UPGRADE_BODY = 1024 * 1024;

/**
 * Splits a complete chunked body off the front of `buf`; undefined while incomplete.
 * Trailers are skipped. Throws on malformed framing.
 */
export function splitChunked(buf: Buffer): { body: Buffer; rest: Buffer } | undefined {
  const parts: Buffer[] = [];
  let off = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', off);
    if (eol < 0) return undefined;
    const size = Number.parseInt(buf.subarray(off, eol).toString('latin1').split(';')[0]!.trim(), 16);
    if (!Number.isFinite(size) || size < 0) throw new Error('malformed chunk size');
    off = eol + 2;
    if (size === 0) {
      // Skip trailers up to the empty line.
      for (;;) {
        const end = buf.indexOf('\r\n', off);
        if (end < 0) return undefined;
        const empty = end === off;
        off = end + 2;
        if (empty) return { body: Buffer.concat(parts), rest: buf.subarray(off) };
      }
    }
    if (buf.length < off + size + 2) return undefined;
    parts.push(buf.subarray(off, off + size));
    off += size + 2;
  }
}

/**
 * Node hands an upgrade request over with its raw socket and without reading the body,
 * so the body (Content-Length or chunked) is cut off the bytes that follow the headers;
 * whatever comes after it is the client's first stdin.
 */
export function readUpgradeBody(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<UpgradeSocket> {
  const chunked = /\bchunked\b/i.test(String(req.headers['transfer-encoding'] ?? ''));
  const length = Number(req.headers['content-length'] ?? 0);
  if (!chunked && (!Number.isInteger(length) || length < 0 || length > MAX_UPGRADE_BODY)) return Promise.reject(new Error('bad body length'));
  const split = (buf: Buffer): { body: Buffer; rest: Buffer } | undefined => {
    if (buf.length > MAX_UPGRADE_BODY + 64 * 1024) throw new Error('upgrade request body too large');
    if (chunked) return splitChunked(buf);
    return buf.length >= length ? { body: buf.subarray(0, length), rest: buf.subarray(length) } : undefined;
  };
  return new Promise((resolve, reject) => {
    let buf = head;
    const tryFinish = (): boolean => {
      let parts;
      try {
        parts = split(buf);
      } catch (err) {
        cleanup();
        reject(err);
        return true;
      }
      if (!parts) return false;
      cleanup();
      socket.pause();
      resolve({ socket, ...parts });
      return true;
    };
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      tryFinish();
    };
    const onEnd = () => {
      cleanup();
      reject(new Error('connection closed before the request body'));
    };
    const cleanup = () => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
    };
    if (tryFinish()) return;
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
  });
}
