import { EventEmitter } from 'node:events';

/** Docker's event message (`GET /events`). */
export interface DockerEvent {
  Type: 'container' | 'image' | 'volume' | 'network' | 'daemon' | 'plugin' | 'node' | 'service' | 'secret' | 'config';
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local' | 'swarm';
  time: number;
  timeNano: number;
  // Deprecated fields dockerd still sends for containers and images.
  status?: string;
  id?: string;
  from?: string;
}

/**
 * In-process event bus with a bounded history, so `events --since` can replay recent
 * events (dockerd keeps the last 256 in memory too).
 */
export class EventBus {
  private readonly emitter = new EventEmitter();
  private readonly history: DockerEvent[] = [];
  constructor(private readonly keep = 1024) {
    this.emitter.setMaxListeners(0);
  }

  publish(type: DockerEvent['Type'], action: string, id: string, attributes: Record<string, string> = {}): DockerEvent {
    const nowNs = BigInt(Date.now()) * 1_000_000n + process.hrtime.bigint() % 1_000_000n;
    const ev: DockerEvent = {
      Type: type,
      Action: action,
      Actor: { ID: id, Attributes: attributes },
      scope: 'local',
      time: Number(nowNs / 1_000_000_000n),
      timeNano: Number(nowNs),
    };
    if (type === 'container' || type === 'image') {
      ev.status = action;
      ev.id = id;
      if (attributes.image) ev.from = attributes.image;
    }
    this.history.push(ev);
    if (this.history.length > this.keep) this.history.shift();
    this.emitter.emit('event', ev);
    return ev;
  }

  /** Past events (oldest first) then live ones until `signal` aborts. */
  subscribe(listener: (ev: DockerEvent) => void, opts: { sinceNs?: number } = {}): () => void {
    if (opts.sinceNs !== undefined) {
      for (const ev of this.history) if (ev.timeNano >= opts.sinceNs) listener(ev);
    }
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
