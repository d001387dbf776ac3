import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface ExitRecord { code: number; finishedAt: Date }

/**
 * Watches conmon's exit folder: conmon writes `<dir>/<id>` (the exit code, written to a temp
 * file then renamed) when a container's process ends, whether or not the daemon is running.
 */
export class ExitWatcher {
  private watcher?: FSWatcher;
  private readonly listeners: ((id: string) => void)[] = [];
  private readonly waiters = new Map<string, (() => void)[]>();
  private readonly announced = new Set<string>();
  /** Containers whose exit is still to come: while any exist, the watch keeps the process alive. */
  private readonly pending = new Set<string>();

  constructor(readonly dir: string) {}

  async start(): Promise<void> {
    if (this.watcher) return;
    await mkdir(this.dir, { recursive: true });
    if (this.watcher) return;
    this.watcher = watch(this.dir, (_event, name) => {
      if (name && !name.includes('.')) void this.check(name.toString());
    });
    this.updateRef();
  }

  /** Expect an exit for `id` (a created or restored container that is still running). */
  track(id: string): void {
    this.pending.add(id);
    this.updateRef();
  }

  private settle(id: string): void {
    if (this.pending.delete(id)) this.updateRef();
  }

  private updateRef(): void {
    if (!this.watcher) return;
    if (this.pending.size > 0) this.watcher.ref();
    else this.watcher.unref();
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  onExit(listener: (id: string) => void): void {
    this.listeners.push(listener);
  }

  /** Resolves once `id` has an exit file (at once if it already has). */
  async waitFor(id: string): Promise<ExitRecord> {
    for (;;) {
      const rec = await this.read(id);
      if (rec) return rec;
      await new Promise<void>((resolve) => {
        const list = this.waiters.get(id) ?? [];
        // A safety net in case an inotify event is missed; it also keeps the event loop alive
        // while someone waits (the folder watch itself is unref'd).
        const timer = setTimeout(() => resolve(), 1000);
        list.push(() => {
          clearTimeout(timer);
          resolve();
        });
        this.waiters.set(id, list);
      });
    }
  }

  async read(id: string): Promise<ExitRecord | undefined> {
    const path = join(this.dir, id);
    try {
      const [text, st] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
      const code = Number.parseInt(text.trim(), 10);
      if (Number.isNaN(code)) return undefined;
      return { code, finishedAt: st.mtime };
    } catch {
      return undefined;
    }
  }

  /** Tell listeners about an exit, once per id (also used on restore for exits seen while we were down). */
  announce(id: string): void {
    this.settle(id);
    if (this.announced.has(id)) return;
    this.announced.add(id);
    for (const l of this.listeners) {
      try {
        l(id);
      } catch {
        // A listener's failure must not stop the others.
      }
    }
  }

  /** Forget an id (after delete) so a reused id is announced again. */
  forget(id: string): void {
    this.announced.delete(id);
    this.settle(id);
  }

  private async check(id: string): Promise<void> {
    if (!(await this.read(id))) return;
    for (const w of this.waiters.get(id) ?? []) w();
    this.waiters.delete(id);
    this.announce(id);
  }
}
