/**
 * The little of the DNS wire format (RFC 1035) the embedded server needs: read a query's
 * header and first question, and build answers with A and PTR records.
 */

export const TYPE_A = 1;
export const TYPE_PTR = 12;
export const TYPE_AAAA = 28;
export const RCODE_NOERROR = 0;
export const RCODE_FORMERR = 1;
export const RCODE_SERVFAIL = 2;
export const RCODE_NXDOMAIN = 3;

export interface Question {
  name: string;
  type: number;
  cls: number;
  /** Byte offset just after the question (where answers start in a reply). */
  end: number;
}

export interface Query {
  id: number;
  flags: number;
  question: Question;
}

/** Reads a (possibly compressed) name; returns it lowercase without the trailing dot. */
export function readName(buf: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let pos = offset;
  let end = -1;
  for (let hops = 0; hops < 64; hops++) {
    if (pos >= buf.length) throw new Error('name runs past the message');
    const len = buf[pos]!;
    if (len === 0) {
      if (end < 0) end = pos + 1;
      return { name: labels.join('.').toLowerCase(), end };
    }
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= buf.length) throw new Error('truncated pointer');
      if (end < 0) end = pos + 2;
      pos = ((len & 0x3f) << 8) | buf[pos + 1]!;
      continue;
    }
    if (len > 63 || pos + 1 + len > buf.length) throw new Error('bad label');
    labels.push(buf.toString('latin1', pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
  throw new Error('name too long');
}

export function parseQuery(buf: Buffer): Query {
  if (buf.length < 12) throw new Error('short message');
  const qdcount = buf.readUInt16BE(4);
  if (qdcount < 1) throw new Error('no question');
  const { name, end } = readName(buf, 12);
  if (end + 4 > buf.length) throw new Error('truncated question');
  return { id: buf.readUInt16BE(0), flags: buf.readUInt16BE(2), question: { name, type: buf.readUInt16BE(end), cls: buf.readUInt16BE(end + 2), end: end + 4 } };
}

export function encodeName(name: string): Buffer {
  const parts = name.split('.').filter((p) => p.length > 0);
  return Buffer.concat([...parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'latin1')])), Buffer.from([0])]);
}

export type Answer = { type: typeof TYPE_A; ip: string; ttl: number } | { type: typeof TYPE_PTR; target: string; ttl: number };

/** A reply echoing the query's question, with authoritative-style flags and recursion available. */
export function buildReply(query: Buffer, q: Query, rcode: number, answers: Answer[]): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(q.id, 0);
  // QR=1, opcode copied, AA=0, RD copied, RA=1, rcode
  header.writeUInt16BE(0x8000 | (q.flags & 0x7900) | 0x0080 | (rcode & 0xf), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  const question = query.subarray(12, q.question.end);
  const records = answers.map((a) => {
    const rdata = a.type === TYPE_A ? Buffer.from(a.ip.split('.').map(Number)) : encodeName(a.target);
    const fixed = Buffer.alloc(10);
    fixed.writeUInt16BE(a.type, 0);
    fixed.writeUInt16BE(1, 2);
    fixed.writeUInt32BE(a.ttl, 4);
    fixed.writeUInt16BE(rdata.length, 8);
    return Buffer.concat([Buffer.from([0xc0, 0x0c]), fixed, rdata]); // name: pointer to the question
  });
  return Buffer.concat([header, question, ...records]);
}

/** A bare error reply for a message whose question could not be read. */
export function formErr(query: Buffer): Buffer | undefined {
  if (query.length < 12) return undefined;
  const h = Buffer.alloc(12);
  query.copy(h, 0, 0, 2);
  h.writeUInt16BE(0x8000 | RCODE_FORMERR, 2);
  return h;
}

/** "10.1.2.3" for "3.2.1.10.in-addr.arpa", else undefined. */
export function ptrAddress(name: string): string | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\.in-addr\.arpa$/.exec(name);
  return m ? `${m[4]}.${m[3]}.${m[2]}.${m[1]}` : undefined;
}
