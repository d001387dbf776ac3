import { access, mkdir, readFile, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import { conflict, internal, invalidParameter, notFound } from '../common/errors.js';
import { writeFileAtomic } from '../common/atomic-file.js';
import type {
  AttachStreams, ContainerStats, CreateOptions, ExecOptions, ExecSession, ResourceUpdate, Runtime, RuntimeState, SpecInput,
} from './runtime.js';
import { runcUpdateArgs, updateFailure } from './update-resources.js';
import { buildSpec } from './spec/build-spec.js';
import { ConmonError, launchConmon } from './conmon.js';
import { ExitWatcher } from './exit-watcher.js';
import { runc, runcState, RuncError, type RuncOptions } from './runc.js';
import { connectAttach } from './attach-socket.js';
import { detectCgroups } from './cgroups.js';
import { readContainerStats, readPids } from './stats.js';
import { startExec } from './exec.js';
import { isMonitorOf, waitGone } from './process-util.js';
import { runtimeFailure } from './failures.js';
import { writeReopenLogs, writeResize } from './ctl-fifo.js';

export interface OciRuntimeOptions {
  /** Folder for runc's state, conmon's exit files and exec sessions (persistent across daemon restarts). */
  stateRoot: string;
  /** OCI runtime binary; its basename becomes the runtime's name. */
  runtimePath?: string;
  conmonPath?: string;
  /** Host path of the static init used for `--init`. */
  initPath?: string;
  /** How long `create` waits for the runtime to report the container's pid (default 120 s). */
  createTimeoutMs?: number;
}

/** What the runtime remembers per container (also re-learned by `restore`). */
interface Known { bundle: string; cgroupsPath?: string }

/**
 * runc (or a compatible OCI runtime) behind conmon: conmon owns the container's stdio, log file
 * and exit code and keeps running when the daemon stops.
 */
export class OciRuntime implements Runtime {
  readonly name: string;
  private readonly runc: RuncOptions;
  private readonly conmonPath: string;
  private readonly exits: ExitWatcher;
  private readonly known = new Map<string, Known>();

  constructor(private readonly opts: OciRuntimeOptions) {
    const path = opts.runtimePath ?? '/usr/sbin/runc';
    this.name = path.split('/').pop() || 'runc';
    this.runc = { path, root: join(opts.stateRoot, this.name) };
    this.conmonPath = opts.conmonPath ?? '/usr/bin/conmon';
    this.exits = new ExitWatcher(join(opts.stateRoot, 'exits'));
  }

  /** Stop watching for exits (containers keep running). */
  close(): void {
    this.exits.close();
  }

  buildSpec(input: SpecInput): Promise<object> {
    return buildSpec(input, { initPath: this.opts.initPath });
  }

  async create(o: CreateOptions): Promise<{ pid: number; monitorPid: number }> {
    validId(o.id);
    await Promise.all([this.exits.start(), mkdir(this.runc.root, { recursive: true, mode: 0o700 })]);
    // runc keeps each container's state in <root>/<id>; a stat is cheaper than `runc state`.
    if (await fileExists(join(this.runc.root, o.id, 'state.json'))) {
      throw conflict(`container ${o.id} already exists in the runtime`);
    }
    await mkdir(o.bundle, { recursive: true });
    // A stale exit file from an earlier run of the same id would look like an instant exit.
    await unlink(join(this.exits.dir, o.id)).catch(() => {});
    this.exits.forget(o.id);
    // Not fsync'd: a crash before runc create leaves nothing that needs this file.
    await writeFile(join(o.bundle, 'config.json'), JSON.stringify(o.spec), { mode: 0o600 });
    this.known.set(o.id, { bundle: o.bundle, cgroupsPath: cgroupsPathOf(o.spec) });
    try {
      const handle = await launchConmon({
        conmonPath: this.conmonPath,
        runtime: this.runc,
        id: o.id,
        uuid: o.id,
        bundle: o.bundle,
        log: o.logPath ? `k8s-file:${o.logPath}` : 'none',
        containerPidFile: join(o.bundle, 'pidfile'),
        conmonPidFile: join(o.bundle, 'conmon.pid'),
        exitDir: this.exits.dir,
        tty: o.tty,
        stdin: o.openStdin,
        leaveStdinOpen: o.openStdin && !o.stdinOnce,
        timeoutMs: this.opts.createTimeoutMs,
      });
      this.exits.track(o.id);
      return { pid: handle.pid, monitorPid: await this.monitorPid(o.bundle) };
    } catch (err) {
      if (err instanceof ConmonError && /already exists/.test(err.message)) {
        // Someone else's container of that id: do not delete it.
        throw conflict(`container ${o.id} already exists in the runtime`);
      }
      // Leave nothing behind: runc may have registered the container before failing.
      this.known.delete(o.id);
      await runc(this.runc, ['delete', '--force', o.id]).catch(() => {});
      await unlink(join(this.exits.dir, o.id)).catch(() => {});
      if (err instanceof ConmonError) throw runtimeFailure('create', err.message);
      throw err;
    }
  }

  async start(id: string): Promise<void> {
    try {
      await runc(this.runc, ['start', id]);
    } catch (err) {
      throw this.mapRuncError(id, 'start', err);
    }
  }

  async state(id: string): Promise<RuntimeState | undefined> {
    const s = await runcState(this.runc, id);
    if (!s) return undefined;
    const status = s.status === 'creating' ? 'created' : s.status;
    return { status, pid: s.pid };
  }

  async kill(id: string, signal: string | number, all = false): Promise<void> {
    const sig = parseSignal(signal);
    try {
      await runc(this.runc, ['kill', ...(all ? ['--all'] : []), id, sig]);
    } catch (err) {
      throw this.mapRuncError(id, 'kill', err);
    }
  }

  async pause(id: string): Promise<void> {
    const s = await runcState(this.runc, id);
    if (!s) throw notFound(`No such container: ${id}`);
    if (s.status === 'paused') throw conflict(`Container ${id} is already paused`);
    if (s.status !== 'running') throw conflict(`Container ${id} is not running`);
    try {
      await runc(this.runc, ['pause', id]);
    } catch (err) {
      throw this.mapRuncError(id, 'pause', err);
    }
  }

  async resume(id: string): Promise<void> {
    const s = await runcState(this.runc, id);
    if (!s) throw notFound(`No such container: ${id}`);
    if (s.status !== 'paused') throw conflict(`Container ${id} is not paused`);
    try {
      await runc(this.runc, ['resume', id]);
    } catch (err) {
      throw this.mapRuncError(id, 'resume', err);
    }
  }

  async update(id: string, resources: ResourceUpdate): Promise<void> {
    const args = runcUpdateArgs(resources, { swapLimit: detectCgroups().swapLimit });
    if (!args.length) return;
    try {
      await runc(this.runc, ['update', ...args, id]);
    } catch (err) {
      throw updateFailure(id, err);
    }
  }

  async delete(id: string, opts: { force?: boolean } = {}): Promise<void> {
    const known = await this.knownOrConfig(id);
    // Forced, runc's own state file is enough to know there is something to delete: one
    // process fewer than asking `runc state` first (this runs after every container's exit).
    const s = opts.force ? ((await fileExists(join(this.runc.root, id, 'state.json'))) ? { status: 'stopped' } : undefined) : await runcState(this.runc, id);
    if (s) {
      if (!opts.force && (s.status === 'running' || s.status === 'paused')) {
        throw conflict(`cannot delete container ${id}: it is ${s.status}`);
      }
      try {
        await runc(this.runc, ['delete', ...(opts.force ? ['--force'] : []), id]);
      } catch (err) {
        if (!(err instanceof RuncError && /does not exist/.test(err.stderr))) throw this.mapRuncError(id, 'delete', err);
      }
    }
    if (known) {
      // conmon writes the exit file and exits right after the process ends; wait for it so no
      // monitor outlives the container.
      const pid = await this.monitorPid(known.bundle).catch(() => 0);
      if (isMonitorOf(pid, id) && !(await waitGone(pid, 5000)) && isMonitorOf(pid, id)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      for (const f of ['attach', 'ctl', 'winsz', 'pidfile', 'conmon.pid', 'exit', 'oom', 'exec']) {
        await rm(join(known.bundle, f), { recursive: true, force: true });
      }
    }
    await unlink(join(this.exits.dir, id)).catch(() => {});
    this.exits.forget(id);
    this.known.delete(id);
  }

  async containers(): Promise<string[]> {
    const [states, exits] = await Promise.all([readdir(this.runc.root).catch(() => [] as string[]), readdir(this.exits.dir).catch(() => [] as string[])]);
    return [...new Set([...states, ...exits])].filter((n) => ID_RE.test(n));
  }

  async exitStatus(id: string): Promise<{ code: number; finishedAt: Date; oomKilled: boolean } | undefined> {
    const rec = await this.exits.read(id);
    if (!rec) return undefined;
    const known = await this.knownOrConfig(id);
    const oomKilled = known ? await fileExists(join(known.bundle, 'oom')) : false;
    return { ...rec, oomKilled };
  }

  /** Resolves when the container's monitor records its exit. */
  async waitExit(id: string): Promise<{ code: number; finishedAt: Date }> {
    await this.exits.start();
    return this.exits.waitFor(id);
  }

  onExit(listener: (id: string) => void): void {
    this.exits.onExit(listener);
  }

  async attach(id: string, opts: { stdin: boolean; stdout: boolean; stderr: boolean }): Promise<AttachStreams> {
    const known = await this.requireKnown(id);
    try {
      return await connectAttach(known.bundle, opts);
    } catch (err) {
      throw conflict(`cannot attach to container ${id}: its monitor is not running (${(err as Error).message})`);
    }
  }

  async resize(id: string, width: number, height: number): Promise<void> {
    const known = await this.requireKnown(id);
    await writeResize(known.bundle, width, height);
  }

  async reopenLog(id: string): Promise<boolean> {
    const known = this.known.get(id);
    return known ? writeReopenLogs(known.bundle) : false;
  }

  async exec(id: string, execId: string, o: ExecOptions): Promise<ExecSession> {
    validId(execId);
    const known = await this.requireKnown(id);
    const s = await runcState(this.runc, id);
    if (s?.status === 'paused') throw conflict(`Container ${id} is paused, unpause the container before exec`);
    if (!s || s.status !== 'running') throw conflict(`Container ${id} is not running`);
    return startExec({
      bundle: known.bundle,
      conmonPath: this.conmonPath,
      runtime: this.runc,
      containerId: id,
      execId,
      dir: join(known.bundle, 'exec', execId),
      options: o,
    });
  }

  async pids(id: string): Promise<number[]> {
    const known = await this.requireKnown(id);
    if (!known.cgroupsPath) return [];
    return readPids(detectCgroups(), known.cgroupsPath);
  }

  async stats(id: string): Promise<ContainerStats> {
    const known = await this.requireKnown(id);
    if (!known.cgroupsPath) throw internal(`container ${id} has no cgroup`);
    return readContainerStats(detectCgroups(), known.cgroupsPath);
  }

  async restore(id: string, bundle: string): Promise<void> {
    await this.exits.start();
    let cgroupsPath: string | undefined;
    try {
      cgroupsPath = cgroupsPathOf(JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8')));
    } catch {
      cgroupsPath = undefined;
    }
    this.known.set(id, { bundle, cgroupsPath });
    if (await this.exits.read(id)) {
      // It ended while the daemon was away: tell listeners as if we had seen it happen.
      setImmediate(() => this.exits.announce(id));
      return;
    }
    const monitor = await this.monitorPid(bundle).catch(() => 0);
    if (isMonitorOf(monitor, id)) {
      this.exits.track(id);
      return;
    }
    // The monitor is gone (killed, or the host's process table was cleaned): nobody can
    // collect the process' output or exit code any more. Like containerd after a shim dies,
    // kill what is left and record the exit: 137 when we killed it, 255 when it had ended unseen.
    if (await this.exits.read(id)) {
      setImmediate(() => this.exits.announce(id)); // it wrote the code just before it went
      return;
    }
    const s = await runcState(this.runc, id);
    if (!s) return;
    let code = 255;
    if (s.status !== 'stopped') {
      if (s.status === 'paused') await runc(this.runc, ['resume', id]).catch(() => {});
      await runc(this.runc, ['kill', '--all', id, 'KILL']).catch(() => {});
      code = 137;
      // Nobody reaps it for us; wait until runc sees it stopped so callers find it so.
      const deadline = Date.now() + 5000;
      while ((await runcState(this.runc, id).catch(() => undefined))?.status === 'running' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    await writeFileAtomic(join(this.exits.dir, id), String(code));
    setImmediate(() => this.exits.announce(id));
  }

  private async monitorPid(bundle: string): Promise<number> {
    const text = await readFile(join(bundle, 'conmon.pid'), 'utf8');
    return Number.parseInt(text.trim(), 10);
  }

  private async knownOrConfig(id: string): Promise<Known | undefined> {
    const k = this.known.get(id);
    if (k) return k;
    const s = await runcState(this.runc, id).catch(() => undefined);
    if (!s) return undefined;
    const known: Known = { bundle: s.bundle };
    try {
      known.cgroupsPath = cgroupsPathOf(JSON.parse(await readFile(join(s.bundle, 'config.json'), 'utf8')));
    } catch {
      // keep without cgroup
    }
    this.known.set(id, known);
    return known;
  }

  private async requireKnown(id: string): Promise<Known> {
    const k = await this.knownOrConfig(id);
    if (!k) throw notFound(`No such container: ${id}`);
    return k;
  }

  private mapRuncError(id: string, op: string, err: unknown): Error {
    if (!(err instanceof RuncError)) return err as Error;
    const msg = err.message;
    if (/does not exist/.test(msg)) return notFound(`No such container: ${id}`);
    if (/not running|container not running|cannot (pause|resume)|is not paused|already paused|already running|cannot start/i.test(msg)) {
      return conflict(`Container ${id} ${stateWords(msg)}`);
    }
    return runtimeFailure(op, msg);
  }
}

function stateWords(msg: string): string {
  if (/not paused/.test(msg)) return 'is not paused';
  if (/paused/.test(msg)) return 'is paused';
  if (/not running|cannot start/.test(msg)) return 'is not running';
  return msg;
}

/** Docker's signal forms ("KILL", "SIGKILL", "9", "RTMIN+3") as runc's argument. */
export function parseSignal(signal: string | number): string {
  const text = String(signal).trim().toUpperCase().replace(/^SIG/, '');
  if (/^[0-9]+$/.test(text)) {
    const n = Number(text);
    if (n >= 1 && n <= 64) return text;
  } else if (`SIG${text}` in osConstants.signals) {
    return text;
  } else {
    const rt = /^RTM(IN|AX)([+-]\d+)?$/.exec(text);
    if (rt) {
      // glibc's SIGRTMIN is 34 and SIGRTMAX 64; runc takes the number.
      const n = (rt[1] === 'IN' ? 34 : 64) + Number(rt[2] ?? 0);
      if (n >= 34 && n <= 64) return String(n);
    }
  }
  throw invalidParameter(`Invalid signal: ${signal}`);
}

function cgroupsPathOf(spec: object): string | undefined {
  const linux = (spec as { linux?: { cgroupsPath?: string } }).linux;
  return linux?.cgroupsPath;
}

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

function validId(id: string): void {
  if (!ID_RE.test(id)) throw invalidParameter(`invalid id: ${JSON.stringify(id)}`);
}

async function fileExists(p: string): Promise<boolean> {
  return access(p).then(() => true, () => false);
}
