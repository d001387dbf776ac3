import { invalidParameter } from '../common/errors.js';

export type TarEntryType =
  | 'file'
  | 'link'
  | 'symlink'
  | 'character-device'
  | 'block-device'
  | 'directory'
  | 'fifo'
  | 'contiguous-file'
  | 'unknown';

/** One tar entry's metadata after PAX and GNU long-name records are folded in. */
export interface TarHeader {
  name: string;
  type: TarEntryType;
  linkname: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: Date;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
  /** Extended attributes from PAX `SCHILY.xattr.<name>` records, values as raw bytes. */
  xattrs: Map<string, Buffer>;
}

/** One entry: its header and its data bytes, as a stream and, for small entries, whole. */
export interface TarEntry {
  header: TarHeader;
  body: AsyncIterable<Buffer>;
  /** The whole body when it is at most WHOLE_BODY_LIMIT bytes (then `body` yields just it). */
  data?: Buffer;
}

const BLOCK = 512;
/** Bodies up to this size are handed over whole. */
export const WHOLE_BODY_LIMIT = 256 * 1024;
const EMPTY = Buffer.alloc(0);

async function* once(data: Buffer): AsyncGenerator<Buffer> {
  if (data.length) yield data;
}

/**
 * Buffers an async byte source so it can be read in exact-size pieces. What is already
 * buffered is taken without an await: a microtask hop per header and per small body was
 * most of the cost of reading a many-file tar.
 */
class ByteReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private done = false;
  constructor(private readonly it: AsyncIterator<Buffer>) {}

  /** Bytes that can be taken without waiting. */
  get available(): number {
    return this.buffered;
  }

  /** Waits until `n` bytes are buffered or the input ends. */
  async fill(n: number): Promise<void> {
    while (this.buffered < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else if (r.value.length) {
        this.chunks.push(r.value);
        this.buffered += r.value.length;
      }
    }
  }

  /** Exactly `n` bytes; null at a clean end of input; throws on a partial read. */
  async read(n: number): Promise<Buffer | null> {
    await this.fill(n);
    if (this.buffered === 0 && this.done) return null;
    if (this.buffered < n) throw invalidParameter('invalid tar archive: unexpected end of data');
    return this.take(n);
  }

  /** Up to `max` bytes, at least one, without waiting for more than is needed. */
  async readSome(max: number): Promise<Buffer> {
    await this.fill(1);
    if (this.buffered === 0) throw invalidParameter('invalid tar archive: unexpected end of data');
    return this.take(Math.min(max, this.buffered, this.chunks[0].length));
  }

  /** Exactly `n` bytes of what is buffered (n <= available). */
  take(n: number): Buffer {
    const out = this.chunks.length === 1 || this.chunks[0].length >= n ? null : Buffer.concat(this.chunks);
    if (out) {
      this.chunks = [out];
    }
    const first = this.chunks[0];
    const piece = first.subarray(0, n);
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.buffered -= n;
    return piece;
  }

  /** Consumes the rest of the input (its bytes still pass through the source's hashing). */
  async drain(): Promise<void> {
    this.chunks = [];
    this.buffered = 0;
    while (!this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
    }
  }
}

/** The NUL-terminated text in b[start, end); offsets instead of subarrays, which cost an object each. */
function cstring(b: Buffer, start = 0, end = b.length): string {
  const z = b.indexOf(0, start);
  return b.toString('utf8', start, z === -1 || z > end ? end : z);
}

const isSpace = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d);

/**
 * Tar numbers: octal text (space or NUL padded), or base-256 when the top bit of the first
 * byte is set (GNU). Read straight from the bytes: this runs for eight fields of every
 * header, and building strings for it was a good part of reading a many-file context.
 */
function number(b: Buffer, start: number, end: number): number {
  if (b[start] & 0x80) {
    let v = BigInt(b[start] & 0x7f);
    for (let i = start + 1; i < end; i++) v = (v << 8n) | BigInt(b[i]);
    return Number(v);
  }
  let i = start;
  while (i < end && isSpace(b[i])) i++;
  let v = 0;
  for (; i < end; i++) {
    const c = b[i];
    if (c < 0x30 || c > 0x37) break;
    v = v * 8 + (c - 0x30);
  }
  // After the digits: spaces, then a NUL ends the field (what follows a NUL is ignored).
  while (i < end && isSpace(b[i])) i++;
  if (i < end && b[i] !== 0) throw invalidParameter(`invalid tar archive: bad numeric field ${JSON.stringify(cstring(b, start, end).trim())}`);
  return v;
}

/**
 * The header checksum: the sum of its bytes with the checksum field counted as spaces.
 * Summed two bytes per 16-bit lane of 32-bit words when the block is aligned (128 steps,
 * not 512: fewer steps matter while the daemon runs without its optimizing compiler).
 */
function checksumOk(h: Buffer): boolean {
  const want = number(h, 148, 156);
  let sum = 0;
  if (h.byteOffset % 4 === 0) {
    const w = new Uint32Array(h.buffer, h.byteOffset, BLOCK / 4);
    let lanes = 0;
    // 37 words before the field (bytes 0-147), 2 words of field (148-155), the rest after.
    for (let i = 0; i < 37; i++) lanes += (w[i] & 0x00ff00ff) + ((w[i] >>> 8) & 0x00ff00ff);
    for (let i = 39; i < BLOCK / 4; i++) lanes += (w[i] & 0x00ff00ff) + ((w[i] >>> 8) & 0x00ff00ff);
    // Each 16-bit lane holds at most 2 * 126 * 255 < 65536: no carry between lanes.
    sum = (lanes & 0xffff) + (lanes >>> 16);
  } else {
    for (let i = 0; i < 148; i++) sum += h[i];
    for (let i = 156; i < BLOCK; i++) sum += h[i];
  }
  return sum + 8 * 32 === want;
}

/** PAX records "<len> <key>=<value>\n"; values kept as raw bytes (xattr values may be binary). */
function parsePax(b: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let i = 0;
  while (i < b.length) {
    const sp = b.indexOf(0x20, i);
    if (sp === -1) break;
    const len = parseInt(b.toString('latin1', i, sp), 10);
    if (!len || len < 0 || i + len > b.length) throw invalidParameter('invalid tar archive: malformed PAX record');
    const rec = b.subarray(sp + 1, i + len - 1); // without the trailing newline
    const eq = rec.indexOf(0x3d);
    if (eq > 0) out.set(rec.toString('utf8', 0, eq), Buffer.from(rec.subarray(eq + 1)));
    i += len;
  }
  return out;
}

const TYPES: Record<string, TarEntryType> = {
  '0': 'file',
  '\0': 'file',
  '1': 'link',
  '2': 'symlink',
  '3': 'character-device',
  '4': 'block-device',
  '5': 'directory',
  '6': 'fifo',
  '7': 'contiguous-file',
};

/**
 * Parses a tar stream (ustar, POSIX PAX, GNU long names, base-256 numbers) entry by entry.
 * Each entry's body must be consumed (or left: the next iteration skips what remains)
 * before the next one is produced. Ends at the end-of-archive block, then drains input.
 */
export async function* parseTar(source: AsyncIterable<Buffer>): AsyncGenerator<TarEntry> {
  const r = new ByteReader(source[Symbol.asyncIterator]());
  let globalPax = new Map<string, Buffer>();
  let localPax: Map<string, Buffer> | undefined;
  let longName: string | undefined;
  let longLink: string | undefined;
  let sawHeader = false;
  for (;;) {
    const h = r.available >= BLOCK ? r.take(BLOCK) : await r.read(BLOCK);
    if (h === null) {
      if (!sawHeader) throw invalidParameter('invalid tar archive: empty input');
      return; // EOF without end blocks: accepted, as Go's and GNU tar's readers do
    }
    if (h.every((b) => b === 0)) {
      await r.drain();
      return;
    }
    if (!checksumOk(h)) throw invalidParameter('invalid tar archive: header checksum mismatch');
    sawHeader = true;
    const flag = String.fromCharCode(h[156]);
    let size = number(h, 124, 136);
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      if (size > 16 * 1024 * 1024) throw invalidParameter('invalid tar archive: oversized metadata record');
      const data = size ? ((await r.read(padded)) as Buffer).subarray(0, size) : Buffer.alloc(0);
      if (flag === 'x') localPax = parsePax(data);
      else if (flag === 'g') globalPax = new Map([...globalPax, ...parsePax(data)]);
      else if (flag === 'L') longName = cstring(data);
      else longLink = cstring(data);
      continue;
    }
    // Most archives have no PAX records at all: no merged map is built for every entry then.
    const pax = localPax ? (globalPax.size ? new Map([...globalPax, ...localPax]) : localPax) : globalPax;
    const magic = h.toString('latin1', 257, 263);
    const prefix = magic === 'ustar\0' ? cstring(h, 345, 500) : '';
    let name = longName ?? (prefix ? `${prefix}/${cstring(h, 0, 100)}` : cstring(h, 0, 100));
    let linkname = longLink ?? cstring(h, 157, 257);
    if (pax.has('path')) name = (pax.get('path') as Buffer).toString('utf8');
    if (pax.has('linkpath')) linkname = (pax.get('linkpath') as Buffer).toString('utf8');
    if (pax.has('size')) size = Number((pax.get('size') as Buffer).toString());
    const xattrs = new Map<string, Buffer>();
    for (const [k, v] of pax) if (k.startsWith('SCHILY.xattr.')) xattrs.set(k.slice('SCHILY.xattr.'.length), v);
    const mtimeSecs = pax.has('mtime') ? Number((pax.get('mtime') as Buffer).toString()) : number(h, 136, 148);
    let type: TarEntryType = TYPES[flag] ?? 'unknown';
    // Old tars mark directories only with a trailing slash on a regular entry.
    if (type === 'file' && name.endsWith('/')) type = 'directory';
    const header: TarHeader = {
      name,
      type,
      linkname,
      mode: number(h, 100, 108),
      uid: pax.has('uid') ? Number((pax.get('uid') as Buffer).toString()) : number(h, 108, 116),
      gid: pax.has('gid') ? Number((pax.get('gid') as Buffer).toString()) : number(h, 116, 124),
      size: type === 'file' || type === 'contiguous-file' || type === 'unknown' ? size : 0, // data bytes
      mtime: new Date(Math.round(mtimeSecs * 1000)),
      uname: pax.has('uname') ? (pax.get('uname') as Buffer).toString() : cstring(h, 265, 297),
      gname: pax.has('gname') ? (pax.get('gname') as Buffer).toString() : cstring(h, 297, 329),
      devmajor: number(h, 329, 337),
      devminor: number(h, 337, 345),
      xattrs,
    };
    localPax = undefined;
    longName = undefined;
    longLink = undefined;
    // Links, devices, dirs and fifos carry no data whatever size they record (as Go's reader).
    const dataSize = type === 'file' || type === 'contiguous-file' || type === 'unknown' ? size : 0;
    const pad = (BLOCK - (dataSize % BLOCK)) % BLOCK;
    if (dataSize <= WHOLE_BODY_LIMIT) {
      // Small bodies come whole, as `data`, and need no iteration at all.
      if (r.available < dataSize) await r.fill(dataSize);
      if (r.available < dataSize) throw invalidParameter('invalid tar archive: unexpected end of data');
      const data = dataSize ? r.take(dataSize) : EMPTY;
      yield { header, body: once(data), data };
    } else {
      let left = dataSize;
      const body = (async function* (): AsyncGenerator<Buffer> {
        while (left > 0) {
          const piece = await r.readSome(left);
          left -= piece.length;
          yield piece;
        }
      })();
      yield { header, body };
      while (left > 0) left -= (await r.readSome(left)).length;
    }
    if (pad) {
      if (r.available >= pad) r.take(pad);
      else await r.read(pad);
    }
  }
}
