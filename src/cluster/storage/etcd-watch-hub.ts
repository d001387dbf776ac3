/**
 * One etcd watch shared by every watcher of a server, with a buffer of recent events (what
 * Kubernetes' watch cache does). A watch that starts within the buffer replays from it and
 * then follows live events; each event object is shared, so decoding and encoding happen
 * once per event however many clients watch. Older starts fall back to a dedicated watch.
 * The same watch keeps the server's KeyIndex (every stored key, no values) current.
 */
import type { Etcd3 } from 'etcd3';
import type { KeyIndex } from './etcd-key-index.js';
import { prefixEnd, type Watch, type WatchEvent, type WatchHandlers } from './store.js';

interface Subscriber {
  prefix: string;
  end: string;
  from: number;
  handlers: WatchHandlers;
}

/** Recent events kept for late joiners (each also pins its decoded form while buffered). */
const BUFFER = 5_000;

export class EtcdWatchHub {
  private started?: Promise<void>;
  /** Events after `startRevision` are all in `events` (oldest first). */
  private startRevision = 0;
  private events: WatchEvent[] = [];
  private readonly subs = new Set<Subscriber>();
  private cancelWatch?: () => void;

  private closed = false;
  /** The key index is complete and current (it follows the watch). */
  keysReady = false;

  constructor(
    private readonly client: Etcd3,
    private readonly currentRevision: () => Promise<number>,
    private readonly keys: KeyIndex,
    /** Every key stored at a revision, sorted. */
    private readonly keysAt: (revision: number) => Promise<string[]>,
  ) {}

  /** Starts the shared watch (and with it the key index) if it is not running. */
  start(): Promise<void> {
    this.started ??= this.run().catch((err) => {
      this.started = undefined;
      throw err;
    });
    return this.started;
  }

  private async run(): Promise<void> {
    this.startRevision = await this.currentRevision();
    const keys = await this.keysAt(this.startRevision);
    if (this.closed) throw new Error('etcd store closed');
    this.keys.reset(keys);
    const watcher = await this.client.watch().prefix('/').withPreviousKV().startRevision(String(this.startRevision + 1)).create();
    if (this.closed) {
      // Closed while the watch was being set up (a list may start the hub in the background).
      void watcher.cancel().catch(() => undefined);
      throw new Error('etcd store closed');
    }
    watcher.on('data', (res) => {
      for (const e of res.events) {
        const revision = Number(e.kv.mod_revision);
        const ev: WatchEvent =
          e.type === 'Delete'
            ? { type: 'DELETE', key: e.kv.key.toString(), value: e.prev_kv?.value.toString() ?? '{}', revision }
            : { type: 'PUT', key: e.kv.key.toString(), value: e.kv.value.toString(), prevValue: e.prev_kv?.value.toString(), revision, created: e.kv.create_revision === e.kv.mod_revision };
        if (ev.type === 'PUT') this.keys.add(ev.key);
        else this.keys.delete(ev.key);
        this.events.push(ev);
        for (const s of this.subs) if (ev.revision > s.from && ev.key >= s.prefix && ev.key < s.end) s.handlers.onEvent(ev);
      }
      if (this.events.length > BUFFER) {
        const drop = this.events.length - BUFFER;
        this.startRevision = this.events[drop - 1].revision;
        this.events = this.events.slice(drop);
      }
    });
    watcher.on('error', (err) => {
      for (const s of this.subs) s.handlers.onError?.(err);
      this.subs.clear();
      this.events = [];
      this.keysReady = false;
      this.started = undefined;
    });
    this.cancelWatch = () => void watcher.cancel().catch(() => undefined);
    this.keysReady = true;
  }

  /** Subscribes from `fromRevision` if the buffer reaches back that far; else undefined. */
  async subscribe(prefix: string, fromRevision: number, handlers: WatchHandlers): Promise<Watch | undefined> {
    await this.start();
    if (fromRevision < this.startRevision) return undefined;
    const sub: Subscriber = { prefix, end: prefixEnd(prefix), from: fromRevision, handlers };
    // Replay and subscription in one synchronous step: no live event can slip between.
    for (const ev of this.events) if (ev.revision > fromRevision && ev.key >= sub.prefix && ev.key < sub.end) handlers.onEvent(ev);
    this.subs.add(sub);
    return { cancel: () => this.subs.delete(sub) };
  }

  close(): void {
    this.closed = true;
    this.keysReady = false;
    this.cancelWatch?.();
    this.subs.clear();
  }
}
