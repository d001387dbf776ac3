import { PassThrough, Readable } from 'node:stream';
import { conflict, notFound, notImplemented, notModified } from '../../src/common/errors.js';
import { newId } from '../../src/common/ids.js';
import type { ContainerService, DockerJson, WaitCondition } from '../../src/containers/container-service.js';
import type { Engine, SystemService } from '../../src/engine/engine.js';
import { EventBus } from '../../src/events/event-bus.js';
import type { ImageService } from '../../src/images/image-service.js';

/**
 * TEMPORARY UNIT-TEST DOUBLE of the Engine, for transport tests of the HTTP layer only
 * (framing, hijacking, wait timing, error shapes). It runs no process: "starting" a
 * container writes scripted output and records an exit code. End-to-end tests use the
 * real engine (src/engine/open-engine.ts).
 *
 * Script: the container's Cmd is read as `[stdout text, stderr text, exit code, delay ms]`.
 * With OpenStdin, stdin is echoed back to stdout until EOF, then the container exits.
 */
interface FakeContainer {
  id: string;
  name: string;
  body: DockerJson;
  tty: boolean;
  running: boolean;
  exitCode: number;
  outputs: { stdout: PassThrough; stderr: PassThrough; stdin: PassThrough }[];
  exitWaiters: (() => void)[];
  removeWaiters: (() => void)[];
  /** Resolves when an attached stdin reaches EOF. */
  stdinClosed?: Promise<void>;
}

export class TransportTestEngine implements Engine {
  readonly dataRoot = '/nonexistent';
  readonly events = new EventBus();
  readonly byId = new Map<string, FakeContainer>();
  readonly execs = new Map<string, { body: DockerJson; exitCode?: number }>();
  /** Wait calls whose `ready` callback ran: lets tests see headers go out before the exit. */
  waitsRegistered = 0;
  readonly containers: ContainerService;
  readonly images: ImageService;
  readonly system: SystemService = {
    info: async () => ({ ID: 'transport-test', Containers: this.byId.size, Images: 0, Name: 'transport-test', ServerVersion: '0.1.0', OSType: 'linux', Driver: 'overlay2' }),
    version: async () => ({
      Platform: { Name: 'Wharf transport test double' },
      Version: '0.1.0',
      Os: 'linux',
      Arch: 'amd64',
      KernelVersion: 'test',
      Components: [{ Name: 'Engine', Version: '0.1.0', Details: {} }],
    }),
    df: async () => ({ LayersSize: 0, Images: [], Containers: [], Volumes: [], BuildCache: [] }),
  };

  constructor() {
    this.containers = this.containerService();
    this.images = new Proxy({} as ImageService, {
      get: (_t, prop) => {
        if (prop === 'get') return async (ref: string) => Promise.reject(notFound(`No such image: ${ref}`));
        if (prop === 'list') return async () => [];
        return async () => Promise.reject(notImplemented(`transport test double: images.${String(prop)}`));
      },
    });
  }

  async close(): Promise<void> {}

  find(ref: string): FakeContainer {
    for (const c of this.byId.values()) if (c.id === ref || c.name === ref || (ref.length >= 1 && c.id.startsWith(ref))) return c;
    throw notFound(`No such container: ${ref}`);
  }

  private exit(c: FakeContainer, code: number): void {
    c.running = false;
    c.exitCode = code;
    for (const o of c.outputs) {
      o.stdout.end();
      o.stderr.end();
    }
    c.exitWaiters.splice(0).forEach((w) => w());
    this.events.publish('container', 'die', c.id, { name: c.name, exitCode: String(code) });
    if (c.body.HostConfig?.AutoRemove) this.removeNow(c);
  }

  private removeNow(c: FakeContainer): void {
    this.byId.delete(c.id);
    c.removeWaiters.splice(0).forEach((w) => w());
    this.events.publish('container', 'destroy', c.id, { name: c.name });
  }

  private containerService(): ContainerService {
    const unsupported = async () => {
      throw notImplemented('transport test double');
    };
    const svc: Partial<ContainerService> = {
      create: async (body, opts) => {
        const id = newId();
        const name = opts.name ?? `c${id.slice(0, 8)}`;
        for (const c of this.byId.values()) if (c.name === name) throw conflict(`Conflict. The container name "/${name}" is already in use by container "${c.id}".`);
        this.byId.set(id, { id, name, body, tty: Boolean(body.Tty), running: false, exitCode: 0, outputs: [], exitWaiters: [], removeWaiters: [] });
        this.events.publish('container', 'create', id, { name, image: String(body.Image ?? '') });
        return { Id: id, Warnings: [] };
      },
      inspect: async (ref) => {
        const c = this.find(ref);
        return { Id: c.id, Name: `/${c.name}`, Config: { Tty: c.tty, OpenStdin: Boolean(c.body.OpenStdin), StdinOnce: Boolean(c.body.StdinOnce) }, State: { Running: c.running, ExitCode: c.exitCode } };
      },
      list: async () => [...this.byId.values()].map((c) => ({ Id: c.id, Names: [`/${c.name}`] })),
      start: async (ref) => {
        const c = this.find(ref);
        if (c.running) throw notModified();
        c.running = true;
        this.events.publish('container', 'start', c.id, { name: c.name });
        const [out = '', err = '', code = '0', delay = '0'] = (c.body.Cmd as string[] | undefined) ?? [];
        setTimeout(() => {
          for (const o of c.outputs) {
            if (out) o.stdout.write(out);
            if (err) (c.tty ? o.stdout : o.stderr).write(err);
          }
          if (!c.body.OpenStdin) setTimeout(() => this.exit(c, Number(code)), 20);
          else void c.stdinClosed?.then(() => c.running && this.exit(c, 0));
        }, Number(delay));
      },
      wait: async (ref, condition: WaitCondition, signal, ready) => {
        const c = this.find(ref);
        const done = new Promise<void>((resolve) => {
          if (condition === 'removed') c.removeWaiters.push(resolve);
          else if (condition === 'not-running' && !c.running) resolve();
          else c.exitWaiters.push(resolve);
        });
        this.waitsRegistered++;
        ready?.();
        await Promise.race([done, new Promise((_r, rej) => signal?.addEventListener('abort', () => rej(new Error('aborted'))))]);
        return { StatusCode: c.exitCode, Error: null };
      },
      attach: async (ref, opts) => {
        const c = this.find(ref);
        const o = { stdout: new PassThrough(), stderr: new PassThrough(), stdin: new PassThrough() };
        c.outputs.push(o);
        if (opts.stdin) {
          // Echo stdin to stdout; EOF on stdin ends the container (like `cat`).
          o.stdin.on('data', (d: Buffer) => o.stdout.write(d));
          c.stdinClosed = new Promise((resolve) => o.stdin.on('end', resolve));
        }
        return { tty: c.tty, io: { stdin: o.stdin, stdout: o.stdout, stderr: o.stderr, close: () => undefined } };
      },
      remove: async (ref, opts) => {
        const c = this.find(ref);
        if (c.running && !opts.force) throw conflict(`cannot remove container "/${c.name}": container is running: stop the container before removing or force remove`);
        this.removeNow(c);
      },
      logs: async (ref) => {
        const c = this.find(ref);
        const [out = '', err = ''] = (c.body.Cmd as string[] | undefined) ?? [];
        const time = '2024-01-02T03:04:05.000000006Z';
        const entries = [
          ...(out ? [{ stream: 'stdout' as const, time, data: Buffer.from(out) }] : []),
          ...(err ? [{ stream: 'stderr' as const, time, data: Buffer.from(err) }] : []),
        ];
        return { tty: c.tty, entries: Readable.from(entries) };
      },
      resize: async (ref) => void this.find(ref),
      execCreate: async (ref, body) => {
        const c = this.find(ref);
        if (!c.running) throw conflict(`Container ${c.id} is not running`);
        const id = newId();
        this.execs.set(id, { body, exitCode: undefined });
        return { Id: id };
      },
      execStart: async (id, opts) => {
        const ex = this.execs.get(id);
        if (!ex) throw notFound(`No such exec instance: ${id}`);
        const [out = '', err = '', code = '0'] = (ex.body.Cmd as string[] | undefined) ?? [];
        const tty = Boolean(ex.body.Tty);
        const stdout = new PassThrough();
        const stderr = new PassThrough();
        const exited = new Promise<number>((resolve) =>
          setTimeout(() => {
            stdout.end(out);
            stderr.end(err);
            ex.exitCode = Number(code);
            resolve(Number(code));
          }, 20),
        );
        return { tty, io: opts.detach ? undefined : { stdout, stderr, close: () => undefined }, resize: async () => undefined, exited };
      },
      execInspect: async (id) => {
        const ex = this.execs.get(id);
        if (!ex) throw notFound(`No such exec instance: ${id}`);
        return { ID: id, Running: ex.exitCode === undefined, ExitCode: ex.exitCode ?? null };
      },
    };
    return new Proxy(svc as ContainerService, { get: (t, p) => (t as any)[p] ?? unsupported });
  }
}
