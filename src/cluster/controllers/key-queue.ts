/**
 * A de-duplicating work queue: a key added while queued is queued once; a key that fails
 * is retried with backoff (up to 30 s). One worker, so reconciles never race each other.
 */
export class KeyQueue {
  private readonly pending = new Set<string>();
  private readonly failures = new Map<string, number>();
  private running = false;
  private stopped = false;
  private idle: Promise<void> = Promise.resolve();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly work: (key: string) => Promise<void>) {}

  add(key: string): void {
    if (this.stopped) return;
    this.pending.add(key);
    if (!this.running) this.idle = this.drain();
  }

  addAfter(key: string, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.add(key);
    }, ms);
    this.timers.add(t);
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.pending.size && !this.stopped) {
        // Yield to I/O between items: an in-process store resolves everything as microtasks.
        await new Promise((r) => setImmediate(r));
        const key = this.pending.values().next().value as string;
        if (key === undefined) break;
        this.pending.delete(key);
        try {
          await this.work(key);
          this.failures.delete(key);
        } catch (err) {
          const n = (this.failures.get(key) ?? 0) + 1;
          this.failures.set(key, n);
          if (n === 1 || n % 10 === 0) process.stderr.write(`wharf controller: ${key}: ${(err as Error).message}\n`);
          this.addAfter(key, Math.min(30_000, 100 * 2 ** n));
        }
      }
    } finally {
      this.running = false;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    await this.idle;
  }
}
