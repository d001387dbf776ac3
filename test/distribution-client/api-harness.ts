import { execFile } from 'node:child_process';
import type { Engine } from '../../src/engine/engine.js';
import { serveApi } from '../dockerapi/api-harness.js';

export interface ServedApi {
  host: string;
  close(): Promise<void>;
}

/** The Docker API for `engine` on a fresh unix socket (the dockerapi tests' harness). */
export async function serveDistributionApi(engine: Engine): Promise<ServedApi> {
  return serveApi(engine);
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program (docker CLI, skopeo) and collects its output; never rejects. */
export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: opts.timeoutMs ?? 60_000, killSignal: 'SIGKILL', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...opts.env }, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end(opts.input ?? '');
  });
}
