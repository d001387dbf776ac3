import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { AttachStreams, ExecOptions, ExecSession } from './runtime.js';
import type { RuncOptions } from './runc.js';
import { ConmonError, launchConmon, syncFailure } from './conmon.js';
import { connectAttach, type AttachConnection } from './attach-socket.js';
import { runtimeFailure } from './failures.js';
import { writeResize } from './ctl-fifo.js';
import { execProcess } from './exec-process.js';

export interface StartExecOptions {
  conmonPath: string;
  runtime: RuncOptions;
  containerId: string;
  execId: string;
  /** The container's bundle (its config.json gives the exec's defaults). */
  bundle: string;
  /** The session's own folder (process.json, attach socket, ctl fifo); removed after the exit. */
  dir: string;
  options: ExecOptions;
}

/**
 * Runs a process in a running container through conmon's exec mode. An attached session
 * connects to conmon's attach socket before runc starts the process, so no output is lost.
 */
export async function startExec(o: StartExecOptions): Promise<ExecSession> {
  const { options } = o;
  const processSpec = await execProcess(o.bundle, options.process as Record<string, unknown>, options.tty);
  await rm(o.dir, { recursive: true, force: true });
  await mkdir(join(o.dir, 'exit'), { recursive: true });
  const specPath = join(o.dir, 'process.json');
  await writeFile(specPath, JSON.stringify(processSpec), { mode: 0o600 });
  const attach = !options.detach;
  let io: AttachConnection | undefined;
  let pid: number;
  let handle;
  try {
    handle = await launchConmon({
      conmonPath: o.conmonPath,
      runtime: o.runtime,
      id: o.containerId,
      uuid: o.execId,
      bundle: o.dir,
      log: 'none',
      containerPidFile: join(o.dir, 'pid'),
      conmonPidFile: join(o.dir, 'conmon.pid'),
      exitDir: join(o.dir, 'exit'),
      tty: options.tty,
      stdin: options.stdin,
      exec: { processSpecPath: specPath, attach },
    });
    if (attach) {
      io = await connectAttach(o.dir, { stdin: options.stdin, stdout: true, stderr: true });
      handle.release!();
      const first = await handle.nextMessage();
      if (first.data <= 0) throw syncFailure(first, '');
      pid = first.data;
    } else {
      pid = handle.pid;
    }
  } catch (err) {
    io?.close();
    await rm(o.dir, { recursive: true, force: true });
    if (err instanceof ConmonError) throw runtimeFailure('exec', err.message);
    throw err;
  }
  const h = handle;
  const streams = io;
  const exited = h.nextMessage().then(
    (m) => m.data,
    () => 255, // the monitor vanished without reporting: Docker's unknown-exit code
  ).then(async (code) => {
    // conmon closes the attach socket before it reports the code; let the output drain first
    // so that a caller who awaits `exited` has seen all of it.
    if (streams) await Promise.race([streams.done, delay(2000)]);
    await rm(o.dir, { recursive: true, force: true }).catch(() => {});
    return code;
  });
  return {
    pid,
    io: io ?? emptyStreams(),
    resize: (width, height) => writeResize(o.dir, width, height),
    exited,
  };
}

function emptyStreams(): AttachStreams {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.end();
  stderr.end();
  return { stdout, stderr, close: () => {} };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
