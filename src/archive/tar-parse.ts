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

const BLOCK = 512;

/** Buffers an async byte source so it can be read in exact-size pieces. */
class ByteReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private done = false;
  constructor(private readonly it: AsyncIterator<Buffer>) {}

  private async fill(n: number): Promise<void> {
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

  private take(n: number): Buffer {
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

function cstring(b: Buffer): string {
  const z = b.indexOf(0);
  return (z === -1 ? b : b.subarray(0, z)).toString('utf8');
}

/** Tar numbers: octal text, or base-256 when the top bit of the first byte is set (GNU). */
function number(b: Buffer): number {
  if (b[0] & 0x80) {
    let v = BigInt(b[0] & 0x7f);
    for (let i = 1; i < b.length; i++) v = (v << 8n) | BigInt(b[i]);
    return Number(v);
  }
  const s = cstring(b).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw invalidParameter(`invalid tar archive: bad numeric field ${JSON.stringify(s)}`);
  return parseInt(s, 8);
}

function checksumOk(h: Buffer): boolean {
  const want = number(h.subarray(148, 156));
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
  return sum === want;
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
export async function* parseTar(source: AsyncIterable<Buffer>): AsyncGenerator<{ header: TarHeader; body: AsyncIterable<Buffer> }> {
  const r = new ByteReader(source[Symbol.asyncIterator]());
  let globalPax = new Map<string, Buffer>();
  let localPax: Map<string, Buffer> | undefined;
  let longName: string | undefined;
  let longLink: string | undefined;
  let sawHeader = false;
  for (;;) {
    const h = await r.read(BLOCK);
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
    let size = number(h.subarray(124, 136));
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
    const pax = new Map([...globalPax, ...(localPax ?? [])]);
    const magic = h.toString('latin1', 257, 263);
    const prefix = magic === 'ustar\0' ? cstring(h.subarray(345, 500)) : '';
    let name = longName ?? (prefix ? `${prefix}/${cstring(h.subarray(0, 100))}` : cstring(h.subarray(0, 100)));
    let linkname = longLink ?? cstring(h.subarray(157, 257));
    if (pax.has('path')) name = (pax.get('path') as Buffer).toString('utf8');
    if (pax.has('linkpath')) linkname = (pax.get('linkpath') as Buffer).toString('utf8');
    if (pax.has('size')) size = Number((pax.get('size') as Buffer).toString());
    const xattrs = new Map<string, Buffer>();
    for (const [k, v] of pax) if (k.startsWith('SCHILY.xattr.')) xattrs.set(k.slice('SCHILY.xattr.'.length), v);
    const mtimeSecs = pax.has('mtime') ? Number((pax.get('mtime') as Buffer).toString()) : number(h.subarray(136, 148));
    let type: TarEntryType = TYPES[flag] ?? 'unknown';
    // Old tars mark directories only with a trailing slash on a regular entry.
    if (type === 'file' && name.endsWith('/')) type = 'directory';
    const header: TarHeader = {
      name,
      type,
      linkname,
      mode: number(h.subarray(100, 108)),
      uid: pax.has('uid') ? Number((pax.get('uid') as Buffer).toString()) : number(h.subarray(108, 116)),
      gid: pax.has('gid') ? Number((pax.get('gid') as Buffer).toString()) : number(h.subarray(116, 124)),
      size: type === 'file' || type === 'contiguous-file' || type === 'unknown' ? size : 0, // data bytes
      mtime: new Date(Math.round(mtimeSecs * 1000)),
      uname: pax.has('uname') ? (pax.get('uname') as Buffer).toString() : cstring(h.subarray(265, 297)),
      gname: pax.has('gname') ? (pax.get('gname') as Buffer).toString() : cstring(h.subarray(297, 329)),
      devmajor: number(h.subarray(329, 337)),
      devminor: number(h.subarray(337, 345)),
      xattrs,
    };
    localPax = undefined;
    longName = undefined;
    longLink = undefined;
    // Links, devices, dirs and fifos carry no data whatever size they record (as Go's reader).
    const dataSize = type === 'file' || type === 'contiguous-file' || type === 'unknown' ? size : 0;
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
    const pad = (BLOCK - (dataSize % BLOCK)) % BLOCK;
    if (pad) await r.read(pad);
  }
}
