import { createHash } from 'node:crypto';
import { mkdirSync, realpathSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { conflict } from '../common/errors.js';

export interface DataRootLock {
  release(): Promise<void>;
}

/** The abstract unix socket name standing for one data root (by its real path). */
function lockName(dataRoot: string): string {
  const digest = createHash('sha256').update(realpathSync(dataRoot)).digest('hex').slice(0, 40);
  return `\0wharf-data-root-${digest}`;
}

/** Asks a lock holder for its pid (it writes it to every connection). */
function holderPid(name: string): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect(name);
    let data = '';
    sock.setEncoding('utf8');
    sock.on('data', (d) => (data += d));
    sock.on('end', () => resolve(data.trim() || 'unknown'));
    sock.on('error', () => resolve('unknown'));
    setTimeout(() => {
      sock.destroy();
      resolve(data.trim() || 'unknown');
    }, 1000).unref();
  });
}

/**
 * One daemon per data root. The lock is a listening socket in Linux's abstract namespace
 * named after the data root: binding it is atomic, and the kernel frees it when the
 * process dies in any way (kill -9 included), so no stale lock is ever left behind.
 * Node opens sockets close-on-exec, so containers' monitors never inherit it.
 */
export async function lockDataRoot(dataRoot: string): Promise<DataRootLock> {
  mkdirSync(dataRoot, { recursive: true, mode: 0o711 });
  const name = lockName(dataRoot);
  const server: Server = createServer((sock) => sock.end(`${process.pid}\n`));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(name, () => resolve());
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      const pid = await holderPid(name);
      throw conflict(`another wharf daemon (pid ${pid}) is already running with data root ${dataRoot}`);
    }
    throw err;
  }
  server.unref();
  return {
    release: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
