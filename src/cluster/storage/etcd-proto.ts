/**
 * Just enough of etcd's v3 protobuf messages (etcdserverpb Range and Txn, mvccpb KeyValue) to
 * speak them directly. The generic decoder of the etcd3 client builds an object per field
 * and turns every int64 into a string through a 64-bit long library; for a page of 500
 * objects that cost more than etcd itself. Here keys and values are read straight out of
 * the response buffer as strings and revisions as numbers (they stay below 2^53).
 */

/** A key-value pair as etcd returns it; `value` is empty for keys-only ranges. */
export interface EtcdKv {
  key: string;
  value: string;
  modRevision: number;
  createRevision: number;
}

export interface RangeRequest {
  key: string;
  rangeEnd?: string;
  limit?: number;
  revision?: number;
  keysOnly?: boolean;
  countOnly?: boolean;
}

export interface RangeResponse {
  /** The store revision the response reflects. */
  revision: number;
  kvs: EtcdKv[];
  more: boolean;
  /** How many keys the whole range held (etcd counts them even when limited). */
  count: number;
}

export interface Compare {
  key: string;
  target: 'Create' | 'Mod';
  result: 'Equal' | 'Greater';
  /** create_revision or mod_revision, by target. */
  revision: number;
}

export type RequestOp =
  | { range: RangeRequest }
  | { put: { key: string; value: string } }
  | { deleteRange: { key: string; prevKv?: boolean } };

export interface TxnRequest {
  compare: Compare[];
  success: RequestOp[];
  failure?: RequestOp[];
}

export interface ResponseOp {
  range?: RangeResponse;
  /** Values deleted by a delete_range with prev_kv. */
  deletedPrev?: EtcdKv[];
}

export interface TxnResponse {
  revision: number;
  succeeded: boolean;
  responses: ResponseOp[];
}

// ---- encoding ----

const VARINT = 0;
const LEN = 2;

/** Collects a message's bytes; nested messages are encoded on their own and embedded. */
class Writer {
  private readonly parts: Buffer[] = [];
  private size = 0;

  private push(b: Buffer): void {
    this.parts.push(b);
    this.size += b.length;
  }

  private varint(n: number): void {
    const bytes: number[] = [];
    // int64 values here are non-negative and below 2^53: plain arithmetic keeps them exact.
    while (n >= 0x80) {
      bytes.push((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    bytes.push(n);
    this.push(Buffer.from(bytes));
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /** Writes an integer field; `always` keeps a zero (a oneof member has presence). */
  int(field: number, n: number | undefined, always = false): this {
    if (n === undefined || (n === 0 && !always)) return this;
    if (n < 0 || !Number.isSafeInteger(n)) throw new RangeError(`etcd-proto: unsupported integer ${n}`);
    this.tag(field, VARINT);
    this.varint(n);
    return this;
  }

  bool(field: number, b: boolean | undefined): this {
    return b ? this.int(field, 1) : this;
  }

  bytes(field: number, b: Buffer | string | undefined): this {
    if (b === undefined) return this;
    const buf = typeof b === 'string' ? Buffer.from(b) : b;
    this.tag(field, LEN);
    this.varint(buf.length);
    this.push(buf);
    return this;
  }

  finish(): Buffer {
    return Buffer.concat(this.parts, this.size);
  }
}

export function encodeRange(r: RangeRequest): Buffer {
  return new Writer()
    .bytes(1, r.key)
    .bytes(2, r.rangeEnd)
    .int(3, r.limit)
    .int(4, r.revision)
    .bool(8, r.keysOnly)
    .bool(9, r.countOnly)
    .finish();
}

const COMPARE_RESULT = { Equal: 0, Greater: 1 } as const;
const COMPARE_TARGET = { Create: 1, Mod: 2 } as const;

function encodeCompare(c: Compare): Buffer {
  return new Writer()
    .int(1, COMPARE_RESULT[c.result])
    .int(2, COMPARE_TARGET[c.target])
    .bytes(3, c.key)
    .int(c.target === 'Create' ? 5 : 6, c.revision, true)
    .finish();
}

function encodeOp(op: RequestOp): Buffer {
  const w = new Writer();
  if ('range' in op) return w.bytes(1, encodeRange(op.range)).finish();
  if ('put' in op) return w.bytes(2, new Writer().bytes(1, op.put.key).bytes(2, op.put.value).finish()).finish();
  return w.bytes(3, new Writer().bytes(1, op.deleteRange.key).bool(3, op.deleteRange.prevKv).finish()).finish();
}

export function encodeTxn(t: TxnRequest): Buffer {
  const w = new Writer();
  for (const c of t.compare) w.bytes(1, encodeCompare(c));
  for (const op of t.success) w.bytes(2, encodeOp(op));
  for (const op of t.failure ?? []) w.bytes(3, encodeOp(op));
  return w.finish();
}

// ---- decoding ----

/** Reads fields in place; `end` bounds the current (sub)message. */
class Reader {
  pos: number;

  constructor(
    readonly buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  more(): boolean {
    return this.pos < this.end;
  }

  varint(): number {
    let n = 0;
    let mul = 1;
    for (;;) {
      if (this.pos >= this.end) throw new Error('etcd-proto: truncated varint');
      const b = this.buf[this.pos++];
      n += (b & 0x7f) * mul;
      if (b < 0x80) return n;
      mul *= 0x80;
    }
  }

  /** Starts a length-delimited field: returns its end, leaves pos at its start. */
  lengthEnd(): number {
    const len = this.varint();
    const end = this.pos + len;
    if (end > this.end) throw new Error('etcd-proto: truncated field');
    return end;
  }

  skip(wire: number): void {
    if (wire === VARINT) this.varint();
    else if (wire === LEN) this.pos = this.lengthEnd();
    else if (wire === 1) this.pos += 8;
    else if (wire === 5) this.pos += 4;
    else throw new Error(`etcd-proto: unsupported wire type ${wire}`);
  }
}

function decodeKv(r: Reader, end: number): EtcdKv {
  const kv: EtcdKv = { key: '', value: '', modRevision: 0, createRevision: 0 };
  while (r.pos < end) {
    const tag = r.varint();
    const field = tag >>> 3;
    if (field === 1 || field === 5) {
      const e = r.lengthEnd();
      const s = r.buf.toString('utf8', r.pos, e);
      if (field === 1) kv.key = s;
      else kv.value = s;
      r.pos = e;
    } else if (field === 2) kv.createRevision = r.varint();
    else if (field === 3) kv.modRevision = r.varint();
    else r.skip(tag & 7);
  }
  return kv;
}

function decodeHeaderRevision(r: Reader, end: number): number {
  let revision = 0;
  while (r.pos < end) {
    const tag = r.varint();
    if (tag >>> 3 === 3) revision = r.varint();
    else r.skip(tag & 7);
  }
  return revision;
}

function decodeRangeAt(r: Reader, end: number): RangeResponse {
  const res: RangeResponse = { revision: 0, kvs: [], more: false, count: 0 };
  while (r.pos < end) {
    const tag = r.varint();
    const field = tag >>> 3;
    if (field === 1) res.revision = decodeHeaderRevision(r, r.lengthEnd());
    else if (field === 2) res.kvs.push(decodeKv(r, r.lengthEnd()));
    else if (field === 3) res.more = r.varint() !== 0;
    else if (field === 4) res.count = r.varint();
    else r.skip(tag & 7);
  }
  return res;
}

export function decodeRange(buf: Buffer): RangeResponse {
  const r = new Reader(buf);
  return decodeRangeAt(r, r.end);
}

function decodeDeleteRange(r: Reader, end: number): EtcdKv[] {
  const prev: EtcdKv[] = [];
  while (r.pos < end) {
    const tag = r.varint();
    if (tag >>> 3 === 3) prev.push(decodeKv(r, r.lengthEnd()));
    else r.skip(tag & 7);
  }
  return prev;
}

function decodeResponseOp(r: Reader, end: number): ResponseOp {
  const op: ResponseOp = {};
  while (r.pos < end) {
    const tag = r.varint();
    const field = tag >>> 3;
    if (field === 1) op.range = decodeRangeAt(r, r.lengthEnd());
    else if (field === 3) op.deletedPrev = decodeDeleteRange(r, r.lengthEnd());
    else r.skip(tag & 7);
  }
  return op;
}

export function decodeTxn(buf: Buffer): TxnResponse {
  const r = new Reader(buf);
  const res: TxnResponse = { revision: 0, succeeded: false, responses: [] };
  while (r.more()) {
    const tag = r.varint();
    const field = tag >>> 3;
    if (field === 1) res.revision = decodeHeaderRevision(r, r.lengthEnd());
    else if (field === 2) res.succeeded = r.varint() !== 0;
    else if (field === 3) res.responses.push(decodeResponseOp(r, r.lengthEnd()));
    else r.skip(tag & 7);
  }
  return res;
}
