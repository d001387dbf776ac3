/**
 * Moves SQLite's WAL checkpoints (which fsync the database file) off the server's thread:
 * a worker thread with its own connection checkpoints passively every half second, so a
 * slow disk never stalls request handling. The main connection turns auto-checkpoints off.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

// Dynamic imports only: an eval'd worker is CommonJS or ESM depending on the parent's flags.
const WORKER = `
(async () => {
  const { workerData, parentPort } = await import('node:worker_threads');
  const Database = (await import(workerData.moduleUrl)).default;
  const db = new Database(workerData.path);
  db.pragma('busy_timeout = 5000');
  const timer = setInterval(() => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {} }, workerData.intervalMs);
  parentPort.on('message', () => { clearInterval(timer); try { db.pragma('wal_checkpoint(PASSIVE)'); db.close(); } catch {} parentPort.postMessage('closed'); });
})();
`;

export class Checkpointer {
  private readonly worker: Worker;

  constructor(path: string, intervalMs = 500) {
    const moduleUrl = pathToFileURL(createRequire(import.meta.url).resolve('better-sqlite3')).href;
    this.worker = new Worker(WORKER, { eval: true, workerData: { path, moduleUrl, intervalMs } });
    this.worker.unref();
    this.worker.on('error', (err) => process.stderr.write(`wharf store: checkpointer: ${err.message}\n`));
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 5000);
      this.worker.once('message', () => {
        clearTimeout(t);
        resolve();
      });
      this.worker.once('exit', () => resolve());
      this.worker.postMessage('close');
    });
    await this.worker.terminate();
  }
}
