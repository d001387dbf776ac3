/** Running the real docker CLI with the legacy builder against a test's API socket. */
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real docker CLI with the legacy builder (DOCKER_BUILDKIT=0). */
export function dockerCli(host: string, args: string[], opts: { input?: Buffer | string; cwd?: string; timeoutMs?: number } = {}): Promise<ToolResult> {
  return new Promise((resolve) => {
    const child = execFile(
      '/usr/local/bin/docker',
      ['-H', host, ...args],
      {
        cwd: opts.cwd,
        timeout: opts.timeoutMs ?? 120_000,
        killSignal: 'SIGKILL',
        maxBuffer: 64 << 20,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir(), DOCKER_BUILDKIT: '0', DOCKER_CONFIG: join(tmpdir(), 'wharf-build-docker-config') },
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}
