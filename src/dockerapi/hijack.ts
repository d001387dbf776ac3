import type { Readable, Writable } from 'node:stream';
import type { AttachStreams } from '../runtime/runtime.js';
import { API_VERSION, SERVER_NAME } from './api-version.js';
import type { ApiContext } from './context.js';
import { MULTIPLEXED_STREAM, RAW_STREAM, STDERR, STDOUT, streamWriter } from './stdcopy.js';

/** A connection taken over for raw streaming (attach, exec start). */
export interface Hijacked {
  /** Output to the client: raw for a TTY, otherwise multiplexed frames (see stdcopy). */
  output: Writable;
  /** What the client sends after the handshake: stdin. */
  input: Readable;
  /** Ends our side once everything written is flushed, then closes the connection. */
  end(): void;
}

/** How long a finished stream waits for the client to close its side before we cut it. */
const CLOSE_GRACE_MS = 10_000;

/**
 * Takes over the connection. With `Upgrade: tcp` the answer is `101 UPGRADED` and the raw
 * socket carries both directions (the docker CLI's way); a plain POST gets a streaming 200
 * whose request body is the input. The Content-Type tells clients which framing follows.
 * The socket allows half-open: a client that half-closes (no stdin) still gets all output.
 */
export function hijack(ctx: ApiContext, opts: { tty: boolean }): Hijacked {
  const contentType = opts.tty ? RAW_STREAM : MULTIPLEXED_STREAM;
  const up = ctx.upgrade;
  if (!up) {
    ctx.res.writeHead(200, { 'Content-Type': contentType });
    ctx.res.flushHeaders();
    return { output: ctx.res, input: ctx.req, end: () => ctx.res.end() };
  }
  const socket = up.socket;
  const s = socket as unknown as { setNoDelay?: (v: boolean) => void; setTimeout?: (ms: number) => void };
  s.setNoDelay?.(true);
  s.setTimeout?.(0);
  socket.write(
    'HTTP/1.1 101 UPGRADED\r\n' +
      `Content-Type: ${contentType}\r\n` +
      'Connection: Upgrade\r\n' +
      'Upgrade: tcp\r\n' +
      `Api-Version: ${API_VERSION}\r\n` +
      'Ostype: linux\r\n' +
      `Server: ${SERVER_NAME}\r\n` +
      '\r\n',
  );
  if (up.rest.length > 0) socket.unshift(up.rest);
  return {
    output: socket,
    input: socket,
    end() {
      if (socket.writableEnded) return;
      socket.end();
      setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
    },
  };
}

/**
 * Copies a container's or exec's stdout/stderr to the client with the framing the TTY
 * setting asks for, honouring backpressure. Resolves when both streams end or the client goes away.
 */
export async function pumpOutput(io: Pick<AttachStreams, 'stdout' | 'stderr'>, out: Writable, tty: boolean, signal: AbortSignal): Promise<void> {
  const w = streamWriter(out, tty);
  const pump = (src: Readable, stream: number) =>
    new Promise<void>((resolve) => {
      const done = () => resolve();
      src.on('data', (chunk: Buffer) => {
        if (!w.write(stream, Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk))) {
          src.pause();
          out.once('drain', () => src.resume());
        }
      });
      src.once('end', done);
      src.once('close', done);
      src.once('error', done);
      if (src.readableEnded || src.destroyed) done();
    });
  const aborted = new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await Promise.race([Promise.all([pump(io.stdout, STDOUT), pump(io.stderr, STDERR)]), aborted]);
}

/**
 * What the client's end of input (half-close or disconnect) means, as in dockerd: with
 * `closeStdin` (a StdinOnce non-TTY container, or a non-TTY exec) the process' stdin gets
 * EOF and output continues until it exits; otherwise the attach session ends (`onEof`)
 * and the process keeps its stdin open.
 */
export interface InputPolicy {
  closeStdin: boolean;
  onEof(): void;
}

/**
 * Feeds the client's input to the process' stdin. Without a stdin the input is drained so
 * the connection stays readable (and output keeps flowing after a half-close).
 * Returns a detach function: once the process is gone its stdin must not be touched again.
 */
export function pumpInput(input: Readable, stdin: Writable | undefined, policy: InputPolicy): () => void {
  if (!stdin) {
    const drain = () => {};
    input.on('data', drain);
    input.on('error', drain);
    return () => input.off('data', drain);
  }
  const ignore = () => {};
  let done = false;
  const onEof = () => {
    if (done) return;
    done = true;
    if (!policy.closeStdin) policy.onEof();
    else if (!stdin.writableEnded && !stdin.destroyed) stdin.end();
  };
  stdin.on('error', ignore);
  input.on('end', onEof);
  input.on('error', onEof);
  input.on('close', onEof);
  input.pipe(stdin, { end: false });
  return () => {
    done = true;
    input.unpipe(stdin);
    input.on('error', ignore);
    input.resume();
  };
}
