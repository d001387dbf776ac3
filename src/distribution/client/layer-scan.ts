import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createGunzip, type Gunzip } from 'node:zlib';

/** What a layer's uncompressed tar yields: the diffID and Docker's sizes. */
export interface LayerScan {
  diffId: string;
  tarSize: number;
  contentSize: number;
}

/**
 * Works out a layer's diffID and sizes while its compressed bytes are being downloaded, so a pull
 * does not read each layer a second time. Gunzip runs on the thread pool with large output chunks
 * (Node's default 16 KB chunks triple the cost); the tar is walked header by header without
 * copying bodies. Handles gzip and plain tar; anything else (or a malformed tar) makes `finish`
 * resolve undefined, and the caller falls back to the image store's full scan.
 */
export class LayerScanner {
  private gunzip?: Gunzip;
  private mode?: 'gzip' | 'plain' | 'other';
  private readonly hash = createHash('sha256');
  private readonly walker = new TarWalker();
  private tarSize = 0;
  private failed = false;
  private ended?: Promise<unknown>;
  private head?: Buffer;

  /** Feeds the next compressed chunk; resolves when the scanner can take more. */
  async push(data: Buffer): Promise<void> {
    if (this.failed) return;
    let chunk = data;
    if (!this.mode) {
      // Two bytes tell gzip from a plain tar (whose header checksum the walker then checks).
      chunk = this.head ? Buffer.concat([this.head, data]) : data;
      if (chunk.length < 2) {
        this.head = chunk;
        return;
      }
      this.head = undefined;
      this.mode = chunk[0] === 0x1f && chunk[1] === 0x8b ? 'gzip' : 'plain';
      if (this.mode === 'gzip') {
        this.gunzip = createGunzip({ chunkSize: 1024 * 1024 });
        this.gunzip.on('data', (c: Buffer) => this.take(c));
        this.gunzip.on('error', () => (this.failed = true));
        this.ended = once(this.gunzip, 'end').catch(() => (this.failed = true));
      }
    }
    if (this.mode === 'other') {
      this.failed = true;
      return;
    }
    if (this.mode === 'plain') return this.take(chunk);
    // A gunzip error only marks the scan failed; the download itself goes on to be verified by digest.
    if (!this.gunzip!.write(chunk)) await Promise.race([once(this.gunzip!, 'drain').catch(() => (this.failed = true)), this.ended]);
  }

  private take(c: Buffer): void {
    if (this.failed) return;
    this.hash.update(c);
    this.tarSize += c.length;
    try {
      this.walker.feed(c);
    } catch {
      this.failed = true;
    }
  }

  /** The scan, once every byte was pushed; undefined when the layer needs the full scan instead. */
  async finish(): Promise<LayerScan | undefined> {
    if (this.gunzip && !this.failed) {
      this.gunzip.end();
      await this.ended;
    }
    if (this.failed || !this.mode || this.mode === 'other' || !this.walker.sawEnd()) return undefined;
    return { diffId: `sha256:${this.hash.digest('hex')}`, tarSize: this.tarSize, contentSize: this.walker.contentSize };
  }

  /** Stops work after a failed download. */
  abort(): void {
    this.failed = true;
    this.gunzip?.destroy();
  }
}

/** Walks tar headers as bytes arrive, counting what dockerd counts as a layer's size. */
class TarWalker {
  contentSize = 0;
  private header = Buffer.alloc(512);
  private headerFill = 0;
  /** Body bytes (with padding) still to skip or collect. */
  private skip = 0;
  /** Collecting a PAX or GNU long-name body. */
  private meta?: { kind: string; size: number; chunks: Buffer[]; got: number };
  private pax: Record<string, string> = {};
  private gnuLink?: string;
  private zeroBlocks = 0;

  sawEnd(): boolean {
    return this.zeroBlocks > 0 && this.skip === 0;
  }

  feed(buf: Buffer): void {
    let i = 0;
    while (i < buf.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, buf.length - i);
        if (this.meta && this.meta.got < this.meta.size) {
          const take = Math.min(n, this.meta.size - this.meta.got);
          this.meta.chunks.push(buf.subarray(i, i + take));
          this.meta.got += take;
        }
        this.skip -= n;
        i += n;
        if (this.skip === 0 && this.meta) this.endMeta();
        continue;
      }
      const n = Math.min(512 - this.headerFill, buf.length - i);
      buf.copy(this.header, this.headerFill, i, i + n);
      this.headerFill += n;
      i += n;
      if (this.headerFill === 512) {
        this.headerFill = 0;
        this.onHeader(this.header);
      }
    }
  }

  private onHeader(h: Buffer): void {
    if (h.every((b) => b === 0)) {
      this.zeroBlocks++;
      return;
    }
    if (this.zeroBlocks > 0) throw new Error('data after the end of the archive');
    let sum = 0;
    for (let k = 0; k < 512; k++) sum += k >= 148 && k < 156 ? 32 : h[k];
    if (sum !== octal(h, 148, 8)) throw new Error('tar header checksum mismatch');
    const type = String.fromCharCode(h[156] || 0x30);
    const size = this.pax.size !== undefined && type !== 'x' && type !== 'g' ? Number(this.pax.size) : numeric(h, 124, 12);
    if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
      this.meta = { kind: type, size, chunks: [], got: 0 };
      this.skip = Math.ceil(size / 512) * 512;
      if (this.skip === 0) this.endMeta();
      return;
    }
    if (type === '0' || type === '7') this.contentSize += size;
    else if (type === '2') this.contentSize += Buffer.byteLength(this.pax.linkpath ?? this.gnuLink ?? cstring(h, 157, 100));
    this.pax = {};
    this.gnuLink = undefined;
    // Links, directories, devices and fifos carry no body; every other type's body is skipped by its size.
    this.skip = '123456'.includes(type) ? 0 : Math.ceil(size / 512) * 512;
  }

  private endMeta(): void {
    const m = this.meta!;
    this.meta = undefined;
    const body = Buffer.concat(m.chunks);
    if (m.kind === 'x') Object.assign(this.pax, parsePax(body));
    else if (m.kind === 'K') this.gnuLink = body.toString('utf8').replace(/\0.*$/s, '');
  }
}

function cstring(b: Buffer, off: number, len: number): string {
  const end = b.indexOf(0, off);
  return b.toString('utf8', off, end < 0 || end > off + len ? off + len : end);
}

function octal(b: Buffer, off: number, len: number): number {
  const s = cstring(b, off, len).trim();
  return s ? parseInt(s, 8) : 0;
}

/** Size fields: octal, or GNU base-256 when the high bit is set. */
function numeric(b: Buffer, off: number, len: number): number {
  if (b[off] & 0x80) {
    let v = b[off] & 0x7f;
    for (let k = 1; k < len; k++) v = v * 256 + b[off + k];
    return v;
  }
  return octal(b, off, len);
}

function parsePax(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < body.length) {
    const sp = body.indexOf(0x20, i);
    if (sp < 0) break;
    const len = Number(body.toString('ascii', i, sp));
    if (!(len > 0)) break;
    const rec = body.toString('utf8', sp + 1, i + len - 1);
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}
