/**
 * The embedded store: one SQLite database in WAL mode. `kv` holds the current value of each
 * key, `log` every change (the watch history) until compaction trims it. Each write is one
 * transaction touching both, so a kill -9 at any moment leaves them consistent.
 * Only one server process writes a database; watches are served from memory after replay.
 */
import Database from 'better-sqlite3';
import { Checkpointer } from './sqlite-checkpointer.js';
import {
  CompactedError,
  KeyExistsError,
  KeyNotFoundError,
  RevisionMismatchError,
  prefixEnd,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Store,
  type Watch,
  type WatchEvent,
  type WatchHandlers,
} from './store.js';

export interface SqliteStoreOptions {
  /** How many log entries to keep for watches before compaction (default 50,000). */
  historyLimit?: number;
  /** Checkpoint the WAL from a worker thread (default true; off for throwaway stores). */
  backgroundCheckpoints?: boolean;
}

interface Subscriber {
  prefix: string;
  end: string;
  handlers: WatchHandlers;
}

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private rev: number;
  private compacted: number;
  private readonly historyLimit: number;
  private readonly subs = new Set<Subscriber>();
  private readonly stmts;
  private readonly checkpointer?: Checkpointer;

  constructor(path: string, opts: SqliteStoreOptions = {}) {
    this.historyLimit = opts.historyLimit ?? 50_000;
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    if (opts.backgroundCheckpoints !== false && path !== ':memory:') {
      this.db.pragma('wal_autocheckpoint = 0');
      this.checkpointer = new Checkpointer(path);
    }
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, mod_rev INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS log (rev INTEGER PRIMARY KEY, key TEXT NOT NULL, type INTEGER NOT NULL, value TEXT NOT NULL, prev_value TEXT, created INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
    `);
    this.stmts = {
      get: this.db.prepare<[string], { key: string; value: string; mod_rev: number }>('SELECT key, value, mod_rev FROM kv WHERE key = ?'),
      list: this.db.prepare<[string, string, number], { key: string; value: string; mod_rev: number }>(
        'SELECT key, value, mod_rev FROM kv WHERE key >= ? AND key < ? ORDER BY key LIMIT ?',
      ),
      listAfter: this.db.prepare<[string, string, number], { key: string; value: string; mod_rev: number }>(
        'SELECT key, value, mod_rev FROM kv WHERE key > ? AND key < ? ORDER BY key LIMIT ?',
      ),
      maxKv: this.db.prepare<[], { r: number | null }>('SELECT max(mod_rev) AS r FROM kv'),
      count: this.db.prepare<[string, string], { n: number }>('SELECT count(*) AS n FROM kv WHERE key >= ? AND key < ?'),
      upsert: this.db.prepare('INSERT INTO kv (key, value, mod_rev) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, mod_rev = excluded.mod_rev'),
      del: this.db.prepare('DELETE FROM kv WHERE key = ?'),
      log: this.db.prepare('INSERT INTO log (rev, key, type, value, prev_value, created) VALUES (?, ?, ?, ?, ?, ?)'),
      history: this.db.prepare<[number, string, string], { rev: number; key: string; type: number; value: string; prev_value: string | null; created: number }>(
        'SELECT rev, key, type, value, prev_value, created FROM log WHERE rev > ? AND key >= ? AND key < ? ORDER BY rev',
      ),
      setMeta: this.db.prepare('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value'),
      getMeta: this.db.prepare<[string], { value: number }>('SELECT value FROM meta WHERE name = ?'),
      maxLog: this.db.prepare<[], { r: number | null }>('SELECT max(rev) AS r FROM log'),
      trim: this.db.prepare('DELETE FROM log WHERE rev <= ?'),
    };
    const logged = this.stmts.maxLog.get()?.r ?? 0;
    this.rev = Math.max(logged, this.stmts.maxKv.get()?.r ?? 0, this.stmts.getMeta.get('rev')?.value ?? 0);
    this.compacted = this.stmts.getMeta.get('compacted')?.value ?? 0;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const row = this.stmts.get.get(key);
    return row ? { key: row.key, value: row.value, modRevision: row.mod_rev } : undefined;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const limit = opts.limit && opts.limit > 0 ? opts.limit : -1;
    const end = prefixEnd(prefix);
    const fetch = limit < 0 ? -1 : limit + 1;
    const rows = opts.after && opts.after >= prefix ? this.stmts.listAfter.all(opts.after, end, fetch) : this.stmts.list.all(prefix, end, fetch);
    const more = limit > 0 && rows.length > limit;
    const items = (more ? rows.slice(0, limit) : rows).map((r) => ({ key: r.key, value: r.value, modRevision: r.mod_rev }));
    return { items, revision: this.rev, more };
  }

  async count(prefix: string): Promise<number> {
    return this.stmts.count.get(prefix, prefixEnd(prefix))?.n ?? 0;
  }

  async create(key: string, value: string): Promise<number> {
    const ev = this.db.transaction(() => {
      if (this.stmts.get.get(key)) throw new KeyExistsError(key);
      return this.write(key, value, undefined, true);
    })();
    this.publish(ev);
    return ev.revision;
  }

  async update(key: string, value: string, expectedRevision?: number): Promise<number> {
    const ev = this.db.transaction(() => {
      const cur = this.stmts.get.get(key);
      if (!cur) throw new KeyNotFoundError(key);
      if (expectedRevision !== undefined && cur.mod_rev !== expectedRevision) throw new RevisionMismatchError(key);
      return this.write(key, value, cur.value, false);
    })();
    this.publish(ev);
    return ev.revision;
  }

  async delete(key: string, expectedRevision?: number): Promise<{ revision: number; value: string }> {
    const ev = this.db.transaction(() => {
      const cur = this.stmts.get.get(key);
      if (!cur) throw new KeyNotFoundError(key);
      if (expectedRevision !== undefined && cur.mod_rev !== expectedRevision) throw new RevisionMismatchError(key);
      const revision = this.rev + 1;
      this.stmts.del.run(key);
      this.stmts.log.run(revision, key, 1, cur.value, null, 0);
      this.rev = revision;
      return { type: 'DELETE', key, value: cur.value, revision } satisfies WatchEvent;
    })();
    this.publish(ev);
    this.maybeCompact();
    return { revision: ev.revision, value: ev.value };
  }

  private write(key: string, value: string, prev: string | undefined, created: boolean): WatchEvent {
    const revision = this.rev + 1;
    this.stmts.upsert.run(key, value, revision);
    this.stmts.log.run(revision, key, 0, value, prev ?? null, created ? 1 : 0);
    this.rev = revision;
    this.maybeCompactSoon = true;
    return { type: 'PUT', key, value, prevValue: prev, revision, created };
  }

  private maybeCompactSoon = false;
  private maybeCompact(): void {
    if (this.rev % 1000 !== 0 && !(this.maybeCompactSoon && this.rev - this.compacted > this.historyLimit * 2)) return;
    const upTo = this.rev - this.historyLimit;
    if (upTo <= this.compacted) return;
    this.db.transaction(() => {
      this.stmts.trim.run(upTo);
      this.stmts.setMeta.run('compacted', upTo);
      this.stmts.setMeta.run('rev', this.rev);
    })();
    this.compacted = upTo;
  }

  /** Drops watch history up to `revision` (tests use this to provoke 410 Gone). */
  compact(revision: number): void {
    this.db.transaction(() => {
      this.stmts.trim.run(revision);
      this.stmts.setMeta.run('compacted', revision);
      this.stmts.setMeta.run('rev', this.rev);
    })();
    this.compacted = Math.max(this.compacted, revision);
  }

  private publish(ev: WatchEvent): void {
    if (ev.type === 'PUT') this.maybeCompact();
    for (const s of this.subs) if (ev.key >= s.prefix && ev.key < s.end) s.handlers.onEvent(ev);
  }

  async currentRevision(): Promise<number> {
    return this.rev;
  }

  async compactedRevision(): Promise<number> {
    return this.compacted;
  }

  async watch(prefix: string, fromRevision: number, handlers: WatchHandlers): Promise<Watch> {
    if (fromRevision < this.compacted) throw new CompactedError(fromRevision, this.compacted);
    const end = prefixEnd(prefix);
    // Replay and subscription happen in one synchronous step, so no write slips between.
    for (const r of this.stmts.history.iterate(fromRevision, prefix, end))
      handlers.onEvent({ type: r.type === 1 ? 'DELETE' : 'PUT', key: r.key, value: r.value, prevValue: r.prev_value ?? undefined, revision: r.rev, created: r.created === 1 });
    const sub: Subscriber = { prefix, end, handlers };
    this.subs.add(sub);
    return { cancel: () => this.subs.delete(sub) };
  }

  async close(): Promise<void> {
    for (const s of this.subs) s.handlers.onError?.(new Error('store closed'));
    this.subs.clear();
    await this.checkpointer?.close();
    if (this.db.open) {
      this.stmts.setMeta.run('rev', this.rev);
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      this.db.close();
    }
  }
}
