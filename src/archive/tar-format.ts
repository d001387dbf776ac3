import type { TarEntryType } from './tar-parse.js';

/** What the writer needs to describe one entry. */
export interface TarEntryHeader {
  name: string;
  type: Exclude<TarEntryType, 'unknown' | 'contiguous-file'>;
  mode: number;
  uid?: number;
  gid?: number;
  size?: number;
  mtime?: Date;
  linkname?: string;
  uname?: string;
  gname?: string;
  devmajor?: number;
  devminor?: number;
  /** Written as PAX `SCHILY.xattr.<name>` records, values byte for byte. */
  xattrs?: Map<string, Buffer>;
}

const BLOCK = 512;
const FLAGS: Record<TarEntryHeader['type'], string> = {
  file: '0',
  link: '1',
  symlink: '2',
  'character-device': '3',
  'block-device': '4',
  directory: '5',
  fifo: '6',
};

/** Two zero blocks: the end-of-archive marker. */
export const TAR_END = Buffer.alloc(2 * BLOCK);

/** Zero bytes that pad `size` bytes of data to a whole block. */
export function tarPadding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

function octal(buf: Buffer, off: number, len: number, v: number): boolean {
  const s = Math.max(0, Math.floor(v)).toString(8);
  if (s.length > len - 1) return false;
  buf.write(s.padStart(len - 1, '0'), off, 'latin1');
  return true;
}

function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
  // The length prefix counts its own digits.
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len)), body]);
}

function ustar(h: TarEntryHeader, flag: string, name: string, linkname: string, size: number): { block: Buffer; fits: boolean } {
  const b = Buffer.alloc(BLOCK);
  let fits = Buffer.byteLength(name) <= 100 && Buffer.byteLength(linkname) <= 100;
  b.write(name, 0, 100, 'utf8');
  fits = octal(b, 100, 8, h.mode & 0o7777) && fits;
  fits = octal(b, 108, 8, h.uid ?? 0) && fits;
  fits = octal(b, 116, 8, h.gid ?? 0) && fits;
  fits = octal(b, 124, 12, size) && fits;
  fits = octal(b, 136, 12, Math.floor((h.mtime ?? new Date(0)).getTime() / 1000)) && fits;
  b.write(flag, 156, 1, 'latin1');
  b.write(linkname, 157, 100, 'utf8');
  b.write('ustar\u000000', 257, 8, 'latin1');
  b.write((h.uname ?? '').slice(0, 31), 265, 32, 'utf8');
  b.write((h.gname ?? '').slice(0, 31), 297, 32, 'utf8');
  fits = octal(b, 329, 8, h.devmajor ?? 0) && fits;
  fits = octal(b, 337, 8, h.devminor ?? 0) && fits;
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of b) sum += x;
  b.write(sum.toString(8).padStart(6, '0') + '\u0000 ', 148, 8, 'latin1');
  return { block: b, fits };
}

/**
 * The header block(s) of one entry: a PAX extended header first whenever a name, link,
 * number or xattr does not fit plain ustar (or carries bytes ustar cannot), then ustar.
 */
export function tarHeader(h: TarEntryHeader): Buffer {
  const flag = FLAGS[h.type];
  const size = h.type === 'file' ? (h.size ?? 0) : 0;
  const name = h.type === 'directory' && !h.name.endsWith('/') ? `${h.name}/` : h.name;
  const linkname = h.linkname ?? '';
  const plain = ustar(h, flag, name, linkname, size);
  const records: Buffer[] = [];
  if (!plain.fits) {
    if (Buffer.byteLength(name) > 100) records.push(paxRecord('path', Buffer.from(name)));
    if (Buffer.byteLength(linkname) > 100) records.push(paxRecord('linkpath', Buffer.from(linkname)));
    if (size > 0o77777777777) records.push(paxRecord('size', Buffer.from(String(size))));
    if ((h.uid ?? 0) > 0o7777777) records.push(paxRecord('uid', Buffer.from(String(h.uid))));
    if ((h.gid ?? 0) > 0o7777777) records.push(paxRecord('gid', Buffer.from(String(h.gid))));
  }
  for (const [k, v] of h.xattrs ?? []) records.push(paxRecord(`SCHILY.xattr.${k}`, v));
  if (records.length === 0) return plain.block;
  const pax = Buffer.concat(records);
  const truncate = (s: string): string => Buffer.from(s).subarray(0, 100).toString('utf8').replace(/\uFFFD+$/, '');
  const paxHead = ustar({ name: '', type: 'file', mode: 0o644, mtime: h.mtime }, 'x', truncate(`PaxHeaders/${name}`), '', pax.length).block;
  const main = ustar({ ...h, uid: Math.min(h.uid ?? 0, 0o7777777), gid: Math.min(h.gid ?? 0, 0o7777777) }, flag, truncate(name), truncate(linkname), Math.min(size, 0o77777777777)).block;
  return Buffer.concat([paxHead, pax, tarPadding(pax.length), main]);
}
