import { Writable } from 'node:stream';

/** Stream numbers of Docker's multiplexed framing (stdcopy). */
export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;

export const RAW_STREAM = 'application/vnd.docker.raw-stream';
export const MULTIPLEXED_STREAM = 'application/vnd.docker.multiplexed-stream';

/** Frames one chunk: [stream, 0, 0, 0, big-endian uint32 length] then the bytes. */
export function frame(stream: number, data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}

/** Splits a multiplexed byte stream back into frames (for tests and clients); returns leftover bytes. */
export function decodeFrames(buf: Buffer): { frames: { stream: number; data: Buffer }[]; rest: Buffer } {
  const frames: { stream: number; data: Buffer }[] = [];
  let off = 0;
  while (buf.length - off >= 8) {
    const len = buf.readUInt32BE(off + 4);
    if (buf.length - off - 8 < len) break;
    frames.push({ stream: buf[off]!, data: buf.subarray(off + 8, off + 8 + len) });
    off += 8 + len;
  }
  return { frames, rest: buf.subarray(off) };
}

/**
 * The writer output goes through: for a TTY the bytes pass untouched (everything is
 * stdout), otherwise every chunk becomes one frame of its stream.
 */
export interface StreamWriter {
  write(stream: number, data: Buffer): boolean;
}

export function streamWriter(out: Writable, tty: boolean): StreamWriter {
  return {
    write(stream, data) {
      if (data.length === 0 || !out.writable) return true;
      return out.write(tty ? data : frame(stream, data));
    },
  };
}

/**
 * A StreamWriter for many small chunks (log records): frames are gathered and written
 * together once 64 KiB are waiting or the producer pauses (the next macrotask), instead of
 * one chunked-encoding write per record.
 */
export function batchedStreamWriter(out: Writable, tty: boolean): StreamWriter & { flush(): boolean } {
  let parts: { stream: number; data: Buffer }[] = [];
  let bytes = 0;
  let scheduled = false;
  const flush = (): boolean => {
    if (!parts.length || !out.writable) return true;
    const buf = Buffer.allocUnsafe(bytes);
    let off = 0;
    for (const { stream, data } of parts) {
      if (!tty) {
        buf.writeUInt32BE(stream << 24, off);
        buf.writeUInt32BE(data.length, off + 4);
        off += 8;
      }
      off += data.copy(buf, off);
    }
    parts = [];
    bytes = 0;
    return out.write(buf);
  };
  return {
    write(stream, data) {
      if (data.length === 0) return true;
      parts.push({ stream, data });
      bytes += data.length + (tty ? 0 : 8);
      if (bytes >= 64 * 1024) return flush();
      if (!scheduled) {
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          flush();
        });
      }
      return true;
    },
    flush,
  };
}
