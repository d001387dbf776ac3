import { execFile } from 'node:child_process';

export interface RuncOptions {
  /** The OCI runtime binary (runc, or a compatible one). */
  path: string;
  /** Its state folder (`--root`); must be the same across daemon restarts. */
  root: string;
}

export class RuncError extends Error {
  constructor(
    readonly command: string,
    readonly stderr: string,
  ) {
    super(cleanRuncMessage(stderr) || `runc ${command} failed`);
    this.name = 'RuncError';
  }
}

/**
 * runc prints logrus lines (`time="…" level=error msg="…"`) or plain text; keep the message.
 */
export function cleanRuncMessage(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const msgs = lines.map((l) => {
    const m = /level=(?:error|fatal) msg="((?:[^"\\]|\\.)*)"/.exec(l);
    if (m) return m[1]!.replace(/\\(.)/g, '$1');
    if (/level=(?:warning|info|debug)/.test(l)) return '';
    return l;
  });
  return msgs.filter(Boolean).join('\n');
}

/** Runs one runc subcommand and resolves with its stdout. */
export function runc(o: RuncOptions, args: string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(o.path, ['--root', o.root, ...args], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new RuncError(args[0] ?? '', String(stderr) || err.message));
      else resolve(String(stdout));
    });
  });
}

export interface RuncState {
  id: string;
  pid: number;
  status: 'creating' | 'created' | 'running' | 'paused' | 'stopped';
  bundle: string;
}

export async function runcState(o: RuncOptions, id: string): Promise<RuncState | undefined> {
  try {
    return JSON.parse(await runc(o, ['state', id])) as RuncState;
  } catch (err) {
    if (err instanceof RuncError && /does not exist|not exist/.test(err.stderr)) return undefined;
    throw err;
  }
}
