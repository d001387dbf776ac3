import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import type { RuncOptions } from './runc.js';
import { cleanRuncMessage } from './runc.js';

/** What conmon needs to monitor one container (create mode) or one exec session (exec mode). */
export interface ConmonLaunch {
  conmonPath: string;
  runtime: RuncOptions;
  /** Container id (runc's name for it). */
  id: string;
  /** conmon's own id for this session: the container id, or the exec id. */
  uuid: string;
  /** Folder for config.json (create) and conmon's attach socket, ctl/winsz fifos and files. */
  bundle: string;
  /** `k8s-file:<path>` or `none`. */
  log: string;
  containerPidFile: string;
  conmonPidFile: string;
  /** conmon writes `<exitDir>/<id>` holding the exit code. */
  exitDir?: string;
  tty: boolean;
  stdin: boolean;
  leaveStdinOpen?: boolean;
  exec?: { processSpecPath: string; attach: boolean };
  /** How long to wait for the runtime to report the container's pid (default 120 s). */
  timeoutMs?: number;
}

/** A launched conmon: the first sync message (the pid) has arrived. */
export interface ConmonHandle {
  pid: number;
  /** Further sync-pipe messages (exec mode: the exit code). */
  nextMessage(): Promise<SyncMessage>;
  /** Exec with attach: resolves when the attach socket is ready; then call `release()`. */
  attachReady?: Promise<void>;
  release?(): void;
}

export interface SyncMessage { data: number; message?: string }

export class ConmonError extends Error {
  constructor(message: string, readonly code?: number) {
    super(message);
    this.name = 'ConmonError';
  }
}

export function conmonArgs(l: ConmonLaunch): string[] {
  const args = [
    '--api-version', '1',
    '-c', l.id,
    '-u', l.uuid,
    '-r', l.runtime.path,
    '--runtime-arg', '--root', '--runtime-arg', l.runtime.root,
    '-b', l.bundle,
    '-p', l.containerPidFile,
    '-P', l.conmonPidFile,
    '-l', l.log,
    // The attach socket goes straight into the bundle; clients reach long paths via /proc/self/fd.
    '--full-attach',
    '--socket-dir-path', l.bundle,
    '--log-level', 'error',
  ];
  if (l.exitDir) args.push('--exit-dir', l.exitDir);
  if (!l.exec) args.push('--persist-dir', l.bundle);
  if (l.tty) args.push('-t');
  if (l.stdin) args.push('-i');
  if (l.leaveStdinOpen) args.push('--leave-stdin-open');
  if (l.exec) {
    args.push('--exec', '--exec-process-spec', l.exec.processSpecPath);
    if (l.exec.attach) args.push('--exec-attach');
  }
  return args;
}

/** Reads newline-delimited JSON messages from a sync pipe. */
class SyncReader {
  private buf = '';
  private queue: SyncMessage[] = [];
  private waiters: { resolve: (m: SyncMessage) => void; reject: (e: Error) => void }[] = [];
  private closed?: Error;

  constructor(stream: Readable) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      this.buf += chunk;
      let i: number;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, i).trim();
        this.buf = this.buf.slice(i + 1);
        if (!line) continue;
        try {
          this.push(JSON.parse(line) as SyncMessage);
        } catch {
          // conmon only writes JSON here; ignore anything else.
        }
      }
    });
    const end = () => this.fail(new ConmonError('conmon closed its sync pipe'));
    stream.on('end', end);
    stream.on('close', end);
    stream.on('error', (e) => this.fail(e));
  }

  private push(m: SyncMessage): void {
    const w = this.waiters.shift();
    if (w) w.resolve(m);
    else this.queue.push(m);
  }

  fail(e: Error): void {
    if (!this.closed) this.closed = e;
    for (const w of this.waiters.splice(0)) w.reject(this.closed);
  }

  next(): Promise<SyncMessage> {
    const m = this.queue.shift();
    if (m) return Promise.resolve(m);
    if (this.closed) return Promise.reject(this.closed);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }
}

/**
 * Starts conmon, which double-forks to outlive us, runs `runc create` (or `runc exec`) and reports
 * the container's pid on the sync pipe (fd 3). Failures of the runtime come back with runc's
 * message. Exec sessions that attach also get a start pipe (fd 4) and an attach pipe (fd 5).
 */
export async function launchConmon(l: ConmonLaunch): Promise<ConmonHandle> {
  const attach = l.exec?.attach ?? false;
  const stdio: ('ignore' | 'pipe')[] = ['ignore', 'pipe', 'pipe', 'pipe'];
  const env: Record<string, string> = { ...filteredEnv(), _OCI_SYNCPIPE: '3' };
  if (attach) {
    stdio.push('pipe', 'pipe');
    env._OCI_STARTPIPE = '4';
    env._OCI_ATTACHPIPE = '5';
  }
  const child: ChildProcess = spawn(l.conmonPath, conmonArgs(l), { stdio, env, cwd: l.bundle, detached: true });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (c: string) => (stderr += c));
  child.stdout!.resume();
  const sync = new SyncReader(child.stdio[3] as Readable);
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', (e) => {
      stderr += e.message;
      sync.fail(new ConmonError(`cannot start conmon: ${e.message}`));
      resolve(-1);
    });
    child.on('exit', (code) => resolve(code));
  });
  // No unref(): the first conmon exits right after forking, and until it has, its exit is what
  // we wait for (with every pipe possibly already closed).

  let release: (() => void) | undefined;
  let attachReady: Promise<void> | undefined;
  if (attach) {
    const start = (child.stdio as unknown[])[4] as Writable;
    const attachPipe = new SyncReader((child.stdio as unknown[])[5] as Readable);
    // conmon first blocks on the start pipe before forking; a second write lets runc exec run.
    start.write('0');
    attachReady = attachPipe.next().then(() => undefined);
    release = () => {
      start.end('0');
    };
  }

  // The first parent exits at once after forking; a non-zero code means bad arguments.
  const code = await exited;
  if (code !== 0) {
    sync.fail(new ConmonError(stderr.trim() || `conmon exited with code ${code}`));
  }
  if (attach) {
    try {
      if (code !== 0) throw new ConmonError(stderr.trim() || `conmon exited with code ${code}`);
      await attachReady;
    } catch (err) {
      closeStdio(child);
      throw err;
    }
    return {
      pid: 0,
      attachReady,
      release,
      nextMessage: () => sync.next(),
    };
  }
  let first: SyncMessage;
  let timer: NodeJS.Timeout | undefined;
  try {
    first = await Promise.race([
      sync.next(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ConmonError(`the runtime did not report within ${l.timeoutMs ?? 120_000} ms`)), l.timeoutMs ?? 120_000);
      }),
    ]);
  } catch (err) {
    closeStdio(child);
    // A runtime stuck in create must not linger: conmon's runtime child dies with it (PDEATHSIG).
    await killMonitor(l.conmonPidFile);
    throw err instanceof ConmonError ? new ConmonError(stderr.trim() || err.message) : err;
  } finally {
    clearTimeout(timer);
  }
  if (first.data <= 0) {
    closeStdio(child);
    throw syncFailure(first, stderr);
  }
  const handle: ConmonHandle = { pid: first.data, nextMessage: () => sync.next() };
  // Exec sessions keep the pipe for the exit code; a container's conmon has nothing more to say.
  if (!l.exec) closeStdio(child);
  return handle;
}

export function syncFailure(m: SyncMessage, stderr: string): ConmonError {
  const msg = cleanRuncMessage(m.message ?? '') || stderr.trim() || 'OCI runtime failed';
  return new ConmonError(msg, m.data < 0 ? -m.data : undefined);
}

async function killMonitor(pidFile: string): Promise<void> {
  try {
    const pid = Number.parseInt((await readFile(pidFile, 'utf8')).trim(), 10);
    if (pid > 0) process.kill(pid, 'SIGKILL');
  } catch {
    // not started or already gone
  }
}

function closeStdio(child: ChildProcess): void {
  for (const s of child.stdio) (s as Readable | null)?.destroy?.();
}

/** conmon and runc need PATH and little else; keep NOTIFY_SOCKET/LISTEN_* from leaking in. */
function filteredEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['PATH', 'XDG_RUNTIME_DIR', 'TMPDIR']) if (process.env[k]) out[k] = process.env[k]!;
  if (!out.PATH) out.PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  return out;
}
