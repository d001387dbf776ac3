import { constants, watch, type FSWatcher } from 'node:fs';
import { link, open, stat, truncate, unlink, type FileHandle } from 'node:fs/promises';
import { parseSpoolLine, type SpoolEntry } from './conmon-spool-format.js';
import { attrsJson, encodeJsonLogRecord } from './json-log-line.js';
import type { JsonLogWriter } from './json-log-writer.js';

export interface ShipperOptions {
  /** conmon's log file (k8s-file format): what the container wrote, kept while the daemon may be down. */
  spoolPath: string;
  /** Where the shipper records how far it got (48 bytes, rewritten in place). */
  checkpointPath: string;
  /** The json-file log, already open. */
  writer: JsonLogWriter;
  attrs?: Record<string, string>;
  /** Asks the monitor to reopen its log file; false when it cannot (the monitor is gone). */
  reopenSpool?: () => Promise<boolean>;
  /** Spool bytes after which the monitor is handed a fresh file (default 1 MiB). */
  rotateAt?: number;
}

/** dockerd cuts a line that runs on without a newline into records of this size. */
const MAX_RECORD = 16 * 1024;
const CHUNK = 64 * 1024;
const CHECKPOINT_BYTES = 48;
/** Checkpoints written before the json file's inode was kept. */
const CHECKPOINT_BYTES_V1 = 40;

interface Held {
  /** The bytes so far, one char per byte. */
  text: string;
  time: string;
  /** Spool offset of the line the held text starts in. */
  from: number;
}

interface Checkpoint {
  ino: bigint;
  pos: number;
  jsonSize: number;
  /** Spool offsets where a held (unfinished) stdout/stderr line starts; -1 for none. */
  outFrom: number;
  errFrom: number;
  /** The live json file's inode (absent in older checkpoints). */
  jsonIno?: bigint;
}

/**
 * Moves a container's output from conmon's spool into its json-file log, as dockerd's log
 * copier would have written it: partial writes of one line are joined (up to 16 KiB), times
 * are UTC, attributes are added. conmon owns the spool, so output written while the daemon
 * is down is kept and shipped at restore; a checkpoint (spool inode and offset, json size, where
 * unfinished lines start) makes a crash at any point ship each line exactly once. When the
 * spool grows past `rotateAt`, conmon is asked to reopen it, so it never holds more than that.
 */
export class SpoolShipper {
  private fh?: FileHandle;
  private ino = 0n;
  private pos = 0;
  private held = new Map<'stdout' | 'stderr', Held>();
  private cp?: FileHandle;
  private watcher?: FSWatcher;
  private chain: Promise<void> = Promise.resolve();
  private queued = false;
  private closed = false;
  private rotateFailures = 0;
  private readonly attrsJson: string;

  constructor(private readonly o: ShipperOptions) {
    this.attrsJson = attrsJson(o.attrs);
  }

  /**
   * Opens the spool where the last checkpoint left it (finishing an interrupted hand-over
   * first). `fresh`: the monitor was just started on a spool that earlier shippers emptied.
   */
  async start(opts: { watch: boolean; fresh?: boolean }): Promise<void> {
    if (opts.fresh) {
      await this.openAt(this.o.spoolPath, undefined);
      // Before anything is shipped: a crash after the first json write must find where it began.
      await this.writeCheckpoint();
      if (opts.watch) this.watch();
      return this.flush();
    }
    const saved = await this.readCheckpoint();
    if (saved) await this.o.writer.truncateTo(saved.jsonSize, saved.jsonIno);
    const spool = await stat(this.o.spoolPath, { bigint: true }).catch(() => undefined);
    const oldPath = `${this.o.spoolPath}.old`;
    const old = await stat(oldPath, { bigint: true }).catch(() => undefined);
    let resume = saved;
    if (old && !(spool && old.ino === spool.ino) && !(saved && spool && saved.ino === spool.ino)) {
      // The daemon stopped during a hand-over: the previous spool comes first.
      await this.openAt(oldPath, saved && saved.ino === old.ino ? saved : undefined);
      await this.pump();
      await this.releaseHeld();
      await this.fh!.close();
      this.fh = undefined;
      resume = undefined;
    }
    if (old) await unlink(oldPath).catch(() => {});
    if (spool) await this.openAt(this.o.spoolPath, resume && resume.ino === spool.ino && resume.pos <= Number(spool.size) ? resume : undefined);
    if (opts.watch) this.watch();
    await this.flush();
  }

  private watch(): void {
    this.watcher?.close();
    this.watcher = undefined;
    if (!this.fh) return;
    try {
      this.watcher = watch(this.o.spoolPath, () => this.request());
      this.watcher.unref();
    } catch {
      // Without a watch, output is shipped when asked for (flush) and at exit.
    }
  }

  /** Ships everything conmon has written so far. */
  flush(): Promise<void> {
    this.request();
    return this.chain;
  }

  /** The monitor has exited: ship the rest (an unfinished line as it is), then empty the spool. */
  finish(): Promise<void> {
    return this.enqueue(async () => {
      await this.pump();
      await this.releaseHeld();
      if (this.fh && this.pos > 0) {
        await truncate(this.o.spoolPath, 0).catch(() => {});
        this.pos = 0;
        await this.writeCheckpoint();
      }
      await this.shut();
    });
  }

  /** Stops shipping (daemon shutdown, container removal); what is left stays in the spool. */
  close(): Promise<void> {
    return this.enqueue(() => this.shut());
  }

  private request(): void {
    if (this.queued || this.closed) return;
    this.queued = true;
    void this.enqueue(async () => {
      this.queued = false;
      await this.pump();
      if (this.o.reopenSpool && this.pos >= (this.o.rotateAt ?? 1024 * 1024) && this.rotateFailures < 3) await this.handOver();
    });
  }

  private enqueue(job: () => Promise<void>): Promise<void> {
    const run = this.chain.then(() => (this.closed ? undefined : job()));
    // A failed pump (the container's folder removed under it...) must not stop later ones.
    this.chain = run.catch(() => {});
    return this.chain;
  }

  private async shut(): Promise<void> {
    this.closed = true;
    this.watcher?.close();
    await this.fh?.close().catch(() => {});
    await this.cp?.close().catch(() => {});
    this.fh = this.cp = undefined;
  }

  private async openAt(path: string, from: Checkpoint | undefined): Promise<void> {
    this.fh = await open(path, 'r');
    this.ino = (await this.fh.stat({ bigint: true })).ino;
    this.held.clear();
    this.pos = 0;
    if (!from) return;
    // Rebuild the unfinished lines from where they started, without shipping again what was shipped.
    const starts = [from.outFrom, from.errFrom].filter((n) => n >= 0);
    if (starts.length) {
      await this.readLines(Math.min(...starts), from.pos, (e, at) => {
        const start = e.stream === 'stdout' ? from.outFrom : from.errFrom;
        if (start >= 0 && at >= start) this.hold(e, at);
      });
    }
    this.pos = from.pos;
  }

  private async pump(): Promise<void> {
    for (let more = true; more && this.fh; ) more = await this.pumpBatch();
  }

  /**
   * Ships lines up to the record that fills the json file, so the writer rotates, if at all,
   * only before a batch: a crash then never finds part of one batch rotated away and the rest
   * not. Returns whether lines were left for the next batch.
   */
  private async pumpBatch(): Promise<boolean> {
    const records: string[] = [];
    const held = new Map([...this.held].map(([k, h]) => [k, { ...h }]));
    const room = this.o.writer.room;
    let bytes = 0;
    let full = false;
    const pos = await this.readLines(this.pos, Infinity, (e, at) => {
      const n = records.length;
      this.take(records, e, at);
      if (room === Infinity) return true;
      for (let i = n; i < records.length; i++) bytes += Buffer.byteLength(records[i]!);
      full = bytes >= room;
      return !full;
    });
    try {
      if (records.length) await this.o.writer.append(records);
    } catch (err) {
      // Disk full, say: the same lines are tried again by the next pump.
      this.held = held;
      throw err;
    }
    this.pos = pos;
    if (records.length) await this.writeCheckpoint();
    return full;
  }

  /**
   * Calls `each` for the complete lines between two offsets, until it returns false; returns
   * the offset after the last line it was given.
   */
  private async readLines(from: number, to: number, each: (e: SpoolEntry, at: number) => boolean | void): Promise<number> {
    // Sized to what is there: most pumps find a few lines or none, and 64 KiB buffers for
    // each of many quiet containers would only fragment the heap.
    // What conmon writes meanwhile is read by the next pump (the watch asks for one).
    const end = Math.min(to, (await this.fh!.stat()).size);
    if (end <= from) return from;
    const buf = Buffer.allocUnsafe(Math.min(CHUNK, end - from));
    let pos = from;
    // One char per byte, so string offsets are file offsets.
    let pending = '';
    while (pos < end) {
      const { bytesRead } = await this.fh!.read(buf, 0, Math.min(buf.length, end - pos), pos);
      if (bytesRead === 0) break;
      const lineAt = pos - pending.length;
      pos += bytesRead;
      const text = pending + buf.toString('latin1', 0, bytesRead);
      let start = 0;
      let nl: number;
      while ((nl = text.indexOf('\n', start)) >= 0) {
        const e = parseSpoolLine(text.slice(start, nl));
        const go = e ? each(e, lineAt + start) : true;
        start = nl + 1;
        if (go === false) return lineAt + start;
      }
      pending = text.slice(start);
    }
    // A line conmon is still writing is read again next time.
    return pos - pending.length;
  }

  /** One spool entry in; a json-file record out when the entry ends a line or fills one. */
  private take(out: string[], e: SpoolEntry, at: number): void {
    if (e.partial) {
      const h = this.hold(e, at);
      if (h.text.length < MAX_RECORD) return;
      this.held.delete(e.stream);
      out.push(this.record(e.stream, h.text, false, h.time));
      return;
    }
    const h = this.held.get(e.stream);
    if (!h) {
      out.push(this.record(e.stream, e.content, true, e.time));
      return;
    }
    this.held.delete(e.stream);
    out.push(this.record(e.stream, h.text + e.content, true, h.time));
  }

  private hold(e: SpoolEntry, at: number): Held {
    const h = this.held.get(e.stream);
    if (h) {
      h.text += e.content;
      return h;
    }
    const fresh = { text: e.content, time: e.time, from: at };
    this.held.set(e.stream, fresh);
    return fresh;
  }

  private record(stream: 'stdout' | 'stderr', content: string, newline: boolean, time: string): string {
    return encodeJsonLogRecord(stream, content, newline, time, this.attrsJson);
  }

  /**
   * Unfinished lines go out as they are (dockerd does this when the output ends), one
   * checkpoint each, since a rotation may come between them.
   */
  private async releaseHeld(): Promise<void> {
    for (const [stream, h] of [...this.held.entries()].sort((a, b) => a[1].from - b[1].from)) {
      await this.o.writer.append([this.record(stream, h.text, false, h.time)]);
      this.held.delete(stream);
      await this.writeCheckpoint();
    }
  }

  /**
   * Gives conmon a fresh spool: link the current one aside, ask conmon to reopen (it renames
   * a new file over the name), drain the old one, then drop it.
   */
  private async handOver(): Promise<void> {
    const oldPath = `${this.o.spoolPath}.old`;
    await unlink(oldPath).catch(() => {});
    await link(this.o.spoolPath, oldPath);
    let switched = false;
    try {
      if (await this.o.reopenSpool!()) {
        for (let i = 0; i < 200 && !switched; i++) {
          const now = await stat(this.o.spoolPath, { bigint: true }).catch(() => undefined);
          switched = now !== undefined && now.ino !== this.ino;
          if (!switched) await new Promise((r) => setTimeout(r, 10));
        }
      }
      if (!switched) {
        this.rotateFailures++;
        return;
      }
      // conmon closed the old file before renaming the new one in: all of it can be read now.
      await this.pump();
      await this.releaseHeld();
      await this.fh!.close();
      this.fh = undefined;
      await this.openAt(this.o.spoolPath, undefined);
      await this.writeCheckpoint();
      this.watch();
    } finally {
      await unlink(oldPath).catch(() => {});
    }
  }

  private async checkpointFile(): Promise<FileHandle> {
    this.cp ??= await open(this.o.checkpointPath, constants.O_RDWR | constants.O_CREAT, 0o600);
    return this.cp;
  }

  private async readCheckpoint(): Promise<Checkpoint | undefined> {
    await this.checkpointFile();
    const b = Buffer.alloc(CHECKPOINT_BYTES);
    const { bytesRead } = await this.cp!.read(b, 0, CHECKPOINT_BYTES, 0);
    if (bytesRead < CHECKPOINT_BYTES_V1) return undefined;
    return {
      ino: b.readBigUInt64LE(0),
      pos: Number(b.readBigInt64LE(8)),
      jsonSize: Number(b.readBigInt64LE(16)),
      outFrom: Number(b.readBigInt64LE(24)),
      errFrom: Number(b.readBigInt64LE(32)),
      jsonIno: bytesRead >= CHECKPOINT_BYTES ? b.readBigUInt64LE(40) : undefined,
    };
  }

  /** One 48-byte write at offset 0: it lands whole or not at all. */
  private async writeCheckpoint(): Promise<void> {
    const b = Buffer.alloc(CHECKPOINT_BYTES);
    b.writeBigUInt64LE(this.ino, 0);
    b.writeBigInt64LE(BigInt(this.pos), 8);
    b.writeBigInt64LE(BigInt(this.o.writer.liveSize), 16);
    b.writeBigInt64LE(BigInt(this.held.get('stdout')?.from ?? -1), 24);
    b.writeBigInt64LE(BigInt(this.held.get('stderr')?.from ?? -1), 32);
    b.writeBigUInt64LE(this.o.writer.liveIno, 40);
    await (await this.checkpointFile()).write(b, 0, CHECKPOINT_BYTES, 0);
  }
}
