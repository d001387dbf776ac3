/**
 * `wharf server`: the control plane on embedded defaults (k3s's flag spelling). SQLite in
 * the data dir unless --datastore-endpoint names etcd; HTTPS with a generated CA; an admin
 * kubeconfig written for kubectl. Runs until SIGINT/SIGTERM.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { writeFileAtomic } from '../common/atomic-file.js';
import { ApiServer } from './apiserver/server.js';
import { bootstrapCluster } from './apiserver/bootstrap.js';
import { ensurePki } from './apiserver/certs.js';
import { writeKubeconfig } from './apiserver/kubeconfig.js';
import { startControllers } from './controllers/index.js';
import { tuneHeapForServer } from './server-memory.js';
import { EtcdStore } from './storage/etcd-store.js';
import { SqliteStore } from './storage/sqlite-store.js';
import type { Store } from './storage/store.js';
import { acquirePidLock } from './storage/pid-lock.js';

interface ServerFlags {
  dataDir: string;
  httpsListenPort: string;
  bindAddress: string;
  writeKubeconfig?: string;
  writeKubeconfigMode?: string;
  token?: string;
  datastoreEndpoint?: string;
  tlsSan: string[];
  bookmarkInterval?: string;
  watchHistory?: string;
}

export function openStore(endpoint: string | undefined, dataDir: string, historyLimit = 50_000): Store {
  if (!endpoint) {
    mkdirSync(join(dataDir, 'db'), { recursive: true, mode: 0o700 });
    return new SqliteStore(join(dataDir, 'db', 'state.db'), { historyLimit });
  }
  if (endpoint.startsWith('sqlite://')) return new SqliteStore(endpoint.slice('sqlite://'.length), { historyLimit });
  if (/^(https?|etcd):\/\//.test(endpoint)) return new EtcdStore(endpoint);
  throw new Error(`unsupported --datastore-endpoint "${endpoint}" (use http://HOST:PORT for etcd or sqlite:///path)`);
}

async function loadToken(dataDir: string, given?: string): Promise<string> {
  const file = join(dataDir, 'token');
  if (given) {
    await writeFileAtomic(file, `${given}\n`, 0o600);
    return given;
  }
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = randomBytes(24).toString('hex');
  await writeFileAtomic(file, `${token}\n`, 0o600);
  return token;
}

export async function runServer(argv: string[]): Promise<number> {
  const cmd = new Command('wharf server')
    .description('Run the Kubernetes-compatible control plane')
    .option('--data-dir <dir>', 'folder to hold state', '/var/lib/wharf/server')
    .option('--https-listen-port <port>', 'HTTPS listen port', '6443')
    .option('--bind-address <ip>', 'address to listen on', '0.0.0.0')
    .option('--write-kubeconfig <path>', 'write the admin kubeconfig here (default <data-dir>/kubeconfig.yaml)')
    .option('--write-kubeconfig-mode <mode>', 'file mode of the written kubeconfig (octal)', '600')
    .option('-t, --token <token>', 'bearer token accepted for the admin user (default: generated, kept in <data-dir>/token)')
    .option('--datastore-endpoint <url>', 'etcd endpoint(s), e.g. http://127.0.0.1:2379 (default: embedded SQLite)')
    .option('--tls-san <name>', 'extra host name or IP for the serving certificate (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--bookmark-interval <ms>', 'interval of watch bookmarks in milliseconds', '30000')
    .option('--watch-history <n>', 'changes kept for resuming watches with the embedded store', '50000')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });
  try {
    cmd.parse(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 1;
    throw err;
  }
  const f = cmd.opts<ServerFlags>();
  tuneHeapForServer();
  const dataDir = resolve(f.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const port = Number(f.httpsListenPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`wharf server: invalid --https-listen-port "${f.httpsListenPort}"\n`);
    return 1;
  }
  let store: Store;
  let unlock = (): void => undefined;
  try {
    if (!f.datastoreEndpoint) unlock = acquirePidLock(join(dataDir, 'server.pid'));
    store = openStore(f.datastoreEndpoint, dataDir, Number(f.watchHistory));
    await store.currentRevision();
  } catch (err) {
    process.stderr.write(`wharf server: cannot open the datastore: ${(err as Error).message}\n`);
    unlock();
    return 1;
  }
  const token = await loadToken(dataDir, f.token);
  const pki = await ensurePki(join(dataDir, 'tls'), [...f.tlsSan, ...(f.bindAddress !== '0.0.0.0' && f.bindAddress !== '::' ? [f.bindAddress] : [])]);
  const server = new ApiServer({
    store,
    pki,
    port,
    bindAddress: f.bindAddress,
    tokens: { [token]: { name: 'admin', groups: ['system:masters', 'system:authenticated'] } },
    bookmarkIntervalMs: Number(f.bookmarkInterval),
  });
  let bound: number;
  try {
    bound = await server.start();
  } catch (err) {
    process.stderr.write(`wharf server: cannot listen on ${f.bindAddress}:${port}: ${(err as Error).message}\n`);
    await store.close();
    unlock();
    return 1;
  }
  await bootstrapCluster(server.registry, bound);
  const stopControllers = await startControllers(server.registry);
  const host = f.bindAddress === '0.0.0.0' || f.bindAddress === '::' ? '127.0.0.1' : f.bindAddress;
  const url = `https://${host.includes(':') ? `[${host}]` : host}:${bound}`;
  const kubeconfig = resolve(f.writeKubeconfig ?? join(dataDir, 'kubeconfig.yaml'));
  await writeKubeconfig(kubeconfig, url, pki, parseInt(f.writeKubeconfigMode ?? '600', 8));
  process.stdout.write(`wharf server: serving the Kubernetes API on ${url} (store: ${f.datastoreEndpoint ?? join(dataDir, 'db', 'state.db')})\nwharf server: admin kubeconfig written to ${kubeconfig}\n`);
  await new Promise<void>((resolveStop) => {
    const onSignal = (): void => resolveStop();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  await stopControllers();
  await server.stop();
  await store.close();
  unlock();
  return 0;
}
