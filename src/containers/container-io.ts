import { PassThrough } from 'node:stream';
import { conflict, notImplemented } from '../common/errors.js';
import type { AttachStreams } from '../runtime/runtime.js';
import type { ContainerContext } from './container-context.js';
import type { LogEntry, LogOptions } from './container-service.js';
import type { Lifecycle } from './lifecycle.js';
import { followLogs } from './container-logs.js';

type AttachOpts = { stdin: boolean; stdout: boolean; stderr: boolean; logs?: boolean; stream?: boolean };

/**
 * Attach, logs and resize. `docker run` attaches before it starts the container, so an
 * attach to a stopped container is parked and connected by the lifecycle between the
 * runtime's create and start — before the process can write anything.
 */
export class ContainerIO {
  constructor(private readonly ctx: ContainerContext, private readonly lifecycle: Lifecycle) {}

  async attach(ref: string, opts: AttachOpts): Promise<{ tty: boolean; io: AttachStreams }> {
    const rec = this.ctx.store.get(ref);
    const tty = Boolean(rec.config.Tty);
    if (rec.state.status === 'paused') throw conflict(`You cannot attach to a paused container, unpause it first`);
    if (rec.state.status === 'running') {
      return { tty, io: await this.ctx.deps.runtime.attach(rec.id, opts) };
    }
    // Parked attach: hand out our own streams now, splice the runtime's in at start.
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const stdin = opts.stdin ? new PassThrough() : undefined;
    let inner: AttachStreams | undefined;
    let closed = false;
    const hooks = this.lifecycle.beforeRun.get(rec.id) ?? new Set<() => Promise<void>>();
    const hook = async () => {
      if (closed) return;
      inner = await this.ctx.deps.runtime.attach(rec.id, opts);
      inner.stdout.pipe(stdout);
      inner.stderr.pipe(stderr);
      if (stdin && inner.stdin) stdin.pipe(inner.stdin);
    };
    hooks.add(hook);
    this.lifecycle.beforeRun.set(rec.id, hooks);
    // A container that fails to start ends the parked streams, so the client is not left hanging.
    const onExit = () => {
      if (!inner) {
        stdout.end();
        stderr.end();
      }
    };
    this.ctx.signals.once(`exit:${rec.id}`, onExit);
    const io: AttachStreams = {
      stdin,
      stdout,
      stderr,
      close: () => {
        closed = true;
        hooks.delete(hook);
        this.ctx.signals.off(`exit:${rec.id}`, onExit);
        inner?.close();
        stdout.end();
        stderr.end();
      },
    };
    return { tty, io };
  }

  async logs(ref: string, opts: LogOptions): Promise<{ tty: boolean; entries: AsyncIterable<LogEntry> }> {
    const rec = this.ctx.store.get(ref);
    const driver = rec.hostConfig.LogConfig?.Type || 'json-file';
    if (driver !== 'json-file' && driver !== 'local') throw notImplemented('configured logging driver does not support reading');
    return { tty: Boolean(rec.config.Tty), entries: followLogs(this.ctx, rec, opts) };
  }

  async resize(ref: string, height: number, width: number): Promise<void> {
    const rec = this.ctx.store.get(ref);
    if (rec.state.status !== 'running') throw conflict(`Container ${rec.id} is not running`);
    await this.ctx.deps.runtime.resize(rec.id, width, height);
  }
}
