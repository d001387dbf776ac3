/**
 * Pumps a hijacked attach/exec connection to the local terminal: demultiplexes frames
 * (or copies raw bytes for a TTY), forwards stdin and half-closes when it ends (or at once
 * when stdin is not attached), puts a local TTY in raw mode, and watches for the detach keys.
 */
import type { Hijacked } from '../api/client.js';
import { Demuxer } from './demux.js';

export interface PumpOptions {
  tty: boolean;
  /** Forward this stream as the container's stdin; undefined: half-close right away. */
  stdin?: NodeJS.ReadStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Detach sequence as bytes (default ctrl-p,ctrl-q), watched for on stdin. */
  detachKeys?: number[];
}

export interface PumpResult {
  /** The user typed the detach keys: the container keeps running. */
  detached: boolean;
}

/** Parses docker's --detach-keys ("ctrl-p,ctrl-q", "a,ctrl-@") into bytes. */
export function parseDetachKeys(spec: string): number[] {
  return spec.split(',').map((k) => {
    const key = k.trim();
    if (key.length === 1) return key.charCodeAt(0);
    const m = /^ctrl-(.)$/.exec(key);
    if (!m) throw new Error(`invalid detach keys (${spec}) provided`);
    const ch = m[1];
    if (ch === '@') return 0;
    if (ch >= 'a' && ch <= 'z') return ch.charCodeAt(0) - 96;
    const special: Record<string, number> = { '[': 27, '\\': 28, ']': 29, '^': 30, _: 31 };
    if (ch in special) return special[ch];
    throw new Error(`invalid detach keys (${spec}) provided`);
  });
}

export function pumpHijacked(h: Hijacked, opts: PumpOptions): Promise<PumpResult> {
  const { socket } = h;
  // Daemons before API 1.42 label every hijacked stream raw-stream, so the container's
  // (or exec's) Tty setting decides, as in the docker CLI.
  const raw = opts.tty;
  let detached = false;
  let restoreTty: (() => void) | undefined;

  const write = (target: NodeJS.WritableStream, data: Buffer) => {
    if (!target.write(data)) {
      socket.pause();
      target.once('drain', () => socket.resume());
    }
  };
  const demux = new Demuxer((stream, payload) => write(stream === 2 ? opts.stderr : opts.stdout, payload));
  const onData = (chunk: Buffer) => (raw ? write(opts.stdout, chunk) : demux.push(chunk));

  return new Promise((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      restoreTty?.();
      if (opts.stdin) {
        opts.stdin.removeListener('data', onStdin);
        opts.stdin.pause();
      }
      resolve({ detached });
    };
    socket.on('data', onData);
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', finish);
    if (h.head.length > 0) onData(h.head);
    // A stream already torn down emits nothing more: do not wait for it.
    if (socket.destroyed) queueMicrotask(finish);

    // Like docker's escape proxy: the detach sequence is caught here (and not sent on);
    // a partial match that breaks off is sent as typed.
    const keys = opts.detachKeys ?? [16, 17];
    let held: number[] = [];
    const send = (data: Buffer) => {
      if (data.length > 0 && !socket.destroyed && !socket.writableEnded) socket.write(data);
    };
    function onStdin(chunk: Buffer) {
      if (keys.length === 0 || (held.length === 0 && !chunk.includes(keys[0]))) {
        send(chunk);
        return;
      }
      const out: number[] = [];
      for (const b of chunk) {
        if (b === keys[held.length]) {
          held.push(b);
          if (held.length === keys.length) {
            send(Buffer.from(out));
            detached = true;
            socket.destroy();
            finish();
            return;
          }
          continue;
        }
        out.push(...held);
        held = [];
        if (b === keys[0]) {
          held.push(b);
          if (keys.length === 1) {
            send(Buffer.from(out));
            detached = true;
            socket.destroy();
            finish();
            return;
          }
        } else out.push(b);
      }
      send(Buffer.from(out));
    }
    if (opts.stdin) {
      const stdin = opts.stdin;
      if (opts.tty && stdin.isTTY) {
        stdin.setRawMode(true);
        restoreTty = () => stdin.setRawMode(false);
      }
      stdin.on('data', onStdin);
      stdin.once('end', () => {
        if (!socket.destroyed && !socket.writableEnded) socket.end();
      });
      stdin.resume();
    } else {
      socket.end();
    }
  });
}

/** Resizes the remote TTY now and whenever the local terminal changes size. */
export function followTerminalSize(stdout: NodeJS.WriteStream, resize: (h: number, w: number) => Promise<unknown>): () => void {
  if (!stdout.isTTY) return () => undefined;
  const send = () => {
    resize(stdout.rows, stdout.columns).catch(() => undefined);
  };
  send();
  process.on('SIGWINCH', send);
  return () => process.removeListener('SIGWINCH', send);
}

const proxied: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/**
 * Forwards signals the CLI receives to the container (docker's --sig-proxy). A signal that
 * arrives while start is still in flight, and is refused, is sent again once start returns.
 */
export function proxySignals(kill: (signal: string) => Promise<unknown>, started?: Promise<unknown>): () => void {
  let isStarted = !started;
  started?.then(
    () => (isStarted = true),
    () => (isStarted = true),
  );
  const handlers = proxied.map((sig) => {
    const h = () => {
      const startedBefore = isStarted;
      kill(sig).catch(() => {
        if (!startedBefore && started) started.then(() => kill(sig)).catch(() => undefined);
      });
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  return () => {
    for (const [sig, h] of handlers) process.removeListener(sig, h);
  };
}
