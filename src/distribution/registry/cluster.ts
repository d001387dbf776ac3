import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { parseAddr, type RegistryOptions } from './server.js';

/** Environment variable carrying the options to worker processes. */
export const WORKER_OPTIONS_ENV = 'WHARF_REGISTRY_WORKER_OPTIONS';

export interface ClusteredRegistry {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves one registry from `workers` processes sharing the listening socket, so a busy
 * registry uses more than one core. Everything a request needs is on disk (upload sessions
 * included), so any worker can take any request. A worker that dies is replaced.
 */
export async function startClusteredRegistry(opts: RegistryOptions, workers: number): Promise<ClusteredRegistry> {
  const { host, port } = parseAddr(opts.addr ?? '127.0.0.1:5000');
  const { log, ...plain } = opts;
  cluster.setupPrimary({
    exec: fileURLToPath(new URL('./worker-main.js', import.meta.url)),
    execArgv: nodeFlagsWithoutEval(process.execArgv),
    args: [],
    silent: false,
  });
  let closing = false;
  let boundPort = port;
  const env = { [WORKER_OPTIONS_ENV]: JSON.stringify({ ...plain, addr: `${host.includes(':') ? `[${host}]` : host}:${port}` }) };
  const fork = (): Promise<Worker> =>
    new Promise((resolve, reject) => {
      const w = cluster.fork(env);
      w.once('listening', (address) => {
        boundPort = address.port;
        resolve(w);
      });
      w.once('exit', (code) => {
        if (closing) return;
        reject(new Error(`registry worker exited with ${code} before listening`));
      });
    });
  const first = await fork();
  // With port 0 the first worker picks the port; the others must share that one.
  env[WORKER_OPTIONS_ENV] = JSON.stringify({ ...plain, addr: `${host.includes(':') ? `[${host}]` : host}:${boundPort}` });
  const pool = [first, ...(await Promise.all(Array.from({ length: workers - 1 }, fork)))];
  cluster.on('exit', (w, code, signal) => {
    if (closing) return;
    log?.(`registry: worker ${w.process.pid} exited (${code ?? signal}); starting another`);
    const i = pool.indexOf(w);
    fork().then((nw) => (i >= 0 ? (pool[i] = nw) : pool.push(nw)), (err: Error) => log?.(err.message));
  });
  const hostName = host.includes(':') ? `[${host}]` : host;
  return {
    url: `${opts.tls ? 'https' : 'http'}://${hostName}:${boundPort}`,
    close: async () => {
      closing = true;
      await Promise.all(
        pool.map(
          (w) =>
            new Promise<void>((resolve) => {
              if (w.isDead()) return resolve();
              w.once('exit', () => resolve());
              w.process.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}

/** The parent's node flags, minus any `-e CODE` / `-p CODE` that would make a worker run the parent's code. */
export function nodeFlagsWithoutEval(flags: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < flags.length; i++) {
    const f = flags[i];
    if (f === '-e' || f === '--eval' || f === '-p' || f === '--print') {
      i++;
      continue;
    }
    if (/^(--eval|--print|--input-type)(=|$)/.test(f)) continue;
    out.push(f);
  }
  return out;
}
