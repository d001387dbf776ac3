import { closeSync, openSync } from 'node:fs';
import { PassThrough, Writable } from 'node:stream';
import type { SeqpacketSocket as SeqpacketSocketType } from 'node-unix-socket';
import type { AttachStreams } from './runtime.js';

/** conmon's first byte of each packet on the attach socket names the stream. */
const STDOUT_PIPE = 2;
const STDERR_PIPE = 3;
/** conmon reads at most 32 KiB - 1 per packet; larger packets would be truncated. */
const MAX_PACKET = 32 * 1024 - 1;

/**
 * Connects to conmon's attach socket (`<dir>/attach`, SOCK_SEQPACKET). The folder is opened and
 * reached as /proc/self/fd/N so paths longer than a socket address allows still work.
 * Closing `stdin` shuts down our sending side; conmon then closes the process' stdin (unless
 * it was told to leave stdin open).
 */
export interface AttachConnection extends AttachStreams {
  /** Resolves when conmon closes the socket (all output has been delivered to the streams). */
  done: Promise<void>;
}

/**
 * node-unix-socket loads on first attach, not with the daemon: loading it costs about 5 MiB
 * of RSS (its loader asks process.report for a full diagnostic report to tell glibc from
 * musl), and a daemon that only runs detached containers never needs it.
 */
let seqpacket: Promise<typeof SeqpacketSocketType> | undefined;
const loadSeqpacket = () => (seqpacket ??= import('node-unix-socket').then((m) => m.SeqpacketSocket));

export async function connectAttach(dir: string, want: { stdin: boolean; stdout: boolean; stderr: boolean }): Promise<AttachConnection> {
  const SeqpacketSocket = await loadSeqpacket();
  return new Promise((resolve, reject) => {
    let dirFd: number;
    try {
      dirFd = openSync(dir, 'r');
    } catch (err) {
      reject(err);
      return;
    }
    const sock = new SeqpacketSocket();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let connected = false;
    let ended = false;
    let markDone: () => void = () => {};
    const done = new Promise<void>((r) => (markDone = r));
    const finish = () => {
      if (ended) return;
      ended = true;
      stdout.end();
      stderr.end();
      markDone();
    };
    sock.on('data', (packet: Buffer) => {
      if (packet.length < 1) return;
      const kind = packet[0];
      const body = packet.subarray(1);
      if (kind === STDOUT_PIPE && want.stdout) stdout.write(Buffer.from(body));
      else if (kind === STDERR_PIPE && want.stderr) stderr.write(Buffer.from(body));
    });
    sock.on('end', finish);
    sock.on('close', finish);
    sock.on('error', (err: Error) => {
      if (!connected) {
        closeFd();
        reject(err);
      } else finish();
    });
    let fdOpen = true;
    const closeFd = () => {
      if (fdOpen) closeSync(dirFd);
      fdOpen = false;
    };
    const stdin = want.stdin
      ? new Writable({
          write(chunk: Buffer, _enc, cb) {
            try {
              for (let off = 0; off < chunk.length; off += MAX_PACKET) {
                sock.write(chunk.subarray(off, off + MAX_PACKET));
              }
              cb();
            } catch (err) {
              // Input after the container's side closed is dropped, as dockerd drops it.
              cb(ended ? null : (err as Error));
            }
          },
          final(cb) {
            try {
              sock.end(() => cb());
            } catch {
              // Ending a socket the monitor already closed (EBADF) is not an error for the client.
              cb();
            }
          },
        })
      : undefined;
    // A Writable with no error listener would take the whole daemon down.
    stdin?.on('error', () => finish());
    // Without stdin the client would never send; still nothing must reach the process.
    try {
      sock.connect(`/proc/self/fd/${dirFd}/attach`, () => {
        connected = true;
        closeFd();
        resolve({
          stdin,
          stdout,
          stderr,
          done,
          close: () => {
            finish();
            try {
              sock.destroy();
            } catch {
              // already closed
            }
          },
        });
      });
    } catch (err) {
      closeFd();
      reject(err);
    }
  });
}
