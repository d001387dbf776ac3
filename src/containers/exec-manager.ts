import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { conflict, invalidParameter, notFound } from '../common/errors.js';
import { newId } from '../common/ids.js';
import { withDefaultEnv } from '../runtime/spec/build-spec.js';
import { resolveUserInRootfs } from '../runtime/spec/user.js';
import { resolveCapabilities } from '../runtime/spec/capabilities.js';
import type { ExecSession } from '../runtime/runtime.js';
import { mergeEnv } from './config-merge.js';
import type { ContainerContext } from './container-context.js';
import type { ContainerRecord } from './container-record.js';
import type { DockerJson, ExecStart } from './container-service.js';

interface ExecRecord {
  id: string;
  containerId: string;
  body: DockerJson;
  running: boolean;
  exitCode: number | null;
  pid: number;
  session?: ExecSession;
}

/** Execs are in memory only, as in dockerd: they do not survive a daemon restart. */
export class ExecManager {
  private readonly execs = new Map<string, ExecRecord>();

  constructor(private readonly ctx: ContainerContext) {}

  async create(ref: string, body: DockerJson): Promise<{ Id: string }> {
    const rec = this.ctx.store.get(ref);
    if (rec.state.status === 'paused') throw conflict(`Container ${rec.id} is paused, unpause the container before exec`);
    if (rec.state.status !== 'running') throw conflict(`Container ${rec.id} is not running`);
    const cmd = typeof body.Cmd === 'string' ? [body.Cmd] : body.Cmd;
    if (!Array.isArray(cmd) || cmd.length === 0) throw invalidParameter('No exec command specified');
    const id = newId();
    this.execs.set(id, { id, containerId: rec.id, body: { ...body, Cmd: cmd }, running: false, exitCode: null, pid: 0 });
    rec.execIds.push(id);
    this.ctx.emitEvent(rec, `exec_create: ${cmd.join(' ')}`, { execID: id });
    return { Id: id };
  }

  private get(execId: string): ExecRecord {
    const ex = this.execs.get(execId);
    if (!ex) throw notFound(`No such exec instance: ${execId}`);
    return ex;
  }

  /** The exec's OCI process: the container's, with the exec's command, env, user and dir. */
  private async processFor(rec: ContainerRecord, body: DockerJson): Promise<object> {
    const spec = JSON.parse(await readFile(join(this.ctx.bundle(rec.id), 'config.json'), 'utf8'));
    const base = spec.process;
    const tty = Boolean(body.Tty);
    const process: DockerJson = { ...base, args: body.Cmd, terminal: tty, cwd: body.WorkingDir || base.cwd };
    if (body.User) {
      const u = await resolveUserInRootfs(this.ctx.rootfs(rec.id), body.User);
      process.user = { uid: u.uid, gid: u.gid, additionalGids: u.additionalGids };
      process.env = withDefaultEnv(mergeEnv((base.env as string[]).filter((e) => !e.startsWith('HOME=')), body.Env ?? []), { hostname: rec.config.Hostname, home: u.home, tty });
    } else {
      process.env = mergeEnv(base.env ?? [], body.Env ?? []);
      if (tty && !process.env.some((e: string) => e.startsWith('TERM='))) process.env.push('TERM=xterm');
    }
    if (body.Privileged) {
      const all = resolveCapabilities([], [], true);
      process.capabilities = { bounding: all, effective: all, permitted: all };
    }
    // The client's terminal size at exec time (API 1.42+), so the first output fits.
    const [height, width] = body.ConsoleSize ?? [0, 0];
    if (tty && height > 0 && width > 0) process.consoleSize = { height, width };
    else delete process.consoleSize;
    return process;
  }

  async start(execId: string, opts: { detach: boolean; tty?: boolean }): Promise<ExecStart> {
    const ex = this.get(execId);
    if (ex.running || ex.exitCode !== null) throw conflict(`Error: Exec command ${execId} has already run`);
    const rec = this.ctx.store.get(ex.containerId);
    if (rec.state.status !== 'running') throw conflict(`Container ${rec.id} is not running`);
    const tty = opts.tty ?? Boolean(ex.body.Tty);
    const process = await this.processFor(rec, { ...ex.body, Tty: tty });
    ex.running = true;
    let session: ExecSession;
    try {
      session = await this.ctx.deps.runtime.exec(rec.id, execId, { process, tty, stdin: Boolean(ex.body.AttachStdin) && !opts.detach, detach: opts.detach });
    } catch (err) {
      ex.running = false;
      ex.exitCode = 126;
      throw err;
    }
    ex.session = session;
    ex.pid = session.pid;
    this.ctx.emitEvent(rec, `exec_start: ${ex.body.Cmd.join(' ')}`, { execID: execId });
    const exited = session.exited.then((code) => {
      ex.running = false;
      ex.exitCode = code;
      ex.session = undefined;
      this.ctx.emitEvent(rec, 'exec_die', { execID: execId, exitCode: String(code) });
      return code;
    });
    return { tty, io: opts.detach ? undefined : session.io, resize: (w, h) => session.resize(w, h), exited };
  }

  /** Runs a command to completion and captures its output (health checks). */
  async runCaptured(ref: string, cmd: string[], timeoutMs: number): Promise<{ exitCode: number; output: string }> {
    const { Id } = await this.create(ref, { Cmd: cmd, AttachStdout: true, AttachStderr: true });
    const started = await this.start(Id, { detach: false, tty: false });
    const chunks: Buffer[] = [];
    started.io?.stdout.on('data', (c: Buffer) => chunks.push(c));
    started.io?.stderr.on('data', (c: Buffer) => chunks.push(c));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<number>((resolve) => {
      timer = setTimeout(() => resolve(-1), timeoutMs);
    });
    const code = await Promise.race([started.exited, timeout]);
    clearTimeout(timer);
    started.io?.close();
    this.forget(Id);
    return { exitCode: code, output: Buffer.concat(chunks).toString('utf8').slice(0, 4096) };
  }

  async inspect(execId: string): Promise<DockerJson> {
    const ex = this.get(execId);
    const b = ex.body;
    return {
      ID: ex.id,
      Running: ex.running,
      ExitCode: ex.exitCode,
      ProcessConfig: { tty: Boolean(b.Tty), entrypoint: b.Cmd[0], arguments: b.Cmd.slice(1), privileged: Boolean(b.Privileged), user: b.User ?? '' },
      OpenStdin: Boolean(b.AttachStdin),
      OpenStderr: Boolean(b.AttachStderr),
      OpenStdout: Boolean(b.AttachStdout),
      CanRemove: false,
      ContainerID: ex.containerId,
      DetachKeys: b.DetachKeys ?? '',
      Pid: ex.pid,
    };
  }

  async resize(execId: string, height: number, width: number): Promise<void> {
    const ex = this.get(execId);
    if (!ex.session) throw conflict(`Exec process ${execId} is not running`);
    await ex.session.resize(width, height);
  }

  private forget(execId: string): void {
    const ex = this.execs.get(execId);
    if (!ex) return;
    this.execs.delete(execId);
    const rec = this.ctx.store.find(ex.containerId);
    if (rec) rec.execIds = rec.execIds.filter((e) => e !== execId);
  }

  /** When a container stops, its execs end with it; their records go (dockerd keeps them briefly). */
  forgetContainer(rec: ContainerRecord): void {
    for (const id of rec.execIds) {
      const ex = this.execs.get(id);
      if (ex && !ex.running) this.execs.delete(id);
    }
    rec.execIds = rec.execIds.filter((id) => this.execs.has(id));
  }
}
