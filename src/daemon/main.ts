import { mkdirSync } from 'node:fs';
import { recoverBuildLeftovers } from '../build/builder.js';
import { errorMessage, invalidParameter } from '../common/errors.js';
import type { Logger } from '../dockerapi/context.js';
import { DockerApi } from '../dockerapi/server.js';
import type { Engine } from '../engine/engine.js';
import { openEngine } from '../engine/open-engine.js';
import { DEFAULT_CERTS_DIRS, setRegistryHosts } from '../distribution/client/settings.js';
import { lockDataRoot } from './data-root-lock.js';
import { parseDaemonFlags, USAGE, type DaemonConfig } from './flags.js';
import { listenAll, type Listener, type ListenerHooks } from './listeners.js';
import { createLogger } from './log.js';
import { removePidfile, writePidfile } from './pidfile.js';
import { collectWhenIdle, daemonOptimizerGate, fullGcFunction } from './memory.js';
import { isBulkRequest } from './optimizer-gate.js';

/** How long the API must be quiet before the garbage of the last burst of work is released. */
const IDLE_COLLECT_MS = 5000;

export interface RunningDaemon {
  engine: Engine;
  listeners: Listener[];
  /** Stops serving and closes the engine; containers keep running under their monitors. */
  close(): Promise<void>;
}

/** `--default-runtime` names runc (built in) or a `--runtime name=path` entry. */
function runtimePath(cfg: DaemonConfig): string | undefined {
  const name = cfg.defaultRuntime;
  if (name === undefined || name === 'runc') return cfg.runtimes.runc;
  const path = cfg.runtimes[name];
  if (!path) throw invalidParameter(`default runtime ${name} not found: register it with --runtime ${name}=/path/to/binary`);
  return path;
}

async function openEngineFor(cfg: DaemonConfig): Promise<Engine> {
  const engine = await openEngine({
    dataRoot: cfg.dataRoot,
    execRoot: cfg.execRoot,
    runtimePath: runtimePath(cfg),
    cgroupParent: cfg.cgroupParent,
    network: { ipMasq: cfg.ipMasq, defaultBridge: cfg.bridge, defaultSubnet: cfg.bip, pools: cfg.addressPools.length ? cfg.addressPools : undefined },
    insecureRegistries: cfg.insecureRegistries,
    logConfig: cfg.logConfig,
    realtimeBudget: cfg.realtimeBudget,
  });
  setRegistryHosts(engine, { insecure: cfg.insecureRegistries, certsDirs: DEFAULT_CERTS_DIRS });
  await recoverBuildLeftovers(cfg.dataRoot);
  return engine;
}

/**
 * Brings the daemon up: data-root lock, pidfile, engine, listeners — in that order, and
 * undone in reverse if a step fails. `engine` may be given (tests, embedding).
 */
export async function startDaemon(cfg: DaemonConfig, opts: { engine?: Engine; log?: Logger; hooks?: ListenerHooks } = {}): Promise<RunningDaemon> {
  const log = opts.log ?? createLogger(cfg.logLevel);
  const lock = await lockDataRoot(cfg.dataRoot);
  const undo: (() => Promise<void>)[] = [() => lock.release()];
  const rollback = async () => {
    for (const step of undo.reverse()) await step().catch((e) => log.warn(`shutdown: ${errorMessage(e)}`));
  };
  try {
    mkdirSync(cfg.execRoot, { recursive: true, mode: 0o700 });
    await writePidfile(cfg.pidfile);
    undo.push(() => removePidfile(cfg.pidfile));
    const engine = opts.engine ?? (await openEngineFor(cfg));
    undo.push(() => engine.close());
    const listeners = await listenAll(cfg, new DockerApi({ engine, log }), log, opts.hooks);
    undo.push(async () => void (await Promise.all(listeners.map((l) => l.close()))));
    log.info(`Wharf daemon started (data root ${cfg.dataRoot}, pid ${process.pid})`);
    let closing: Promise<void> | undefined;
    return { engine, listeners, close: () => (closing ??= rollback()) };
  } catch (err) {
    await rollback();
    throw err;
  }
}

/**
 * Keeps a started daemon serving until SIGTERM or SIGINT, then closes it (listeners,
 * engine, pidfile, lock). Containers are not stopped: their monitors own them.
 */
export async function serveUntilSignal(daemon: RunningDaemon, log: Logger): Promise<NodeJS.Signals> {
  const onRejection = (reason: unknown) =>
    log.error(`unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
  // One faulty stream must not take every client and container monitor connection down
  // with it: the state on disk is crash-safe, but the daemon's uptime matters to users.
  const onException = (err: Error) => log.error(`uncaught exception: ${err.stack ?? err.message}`);
  // dockerd reloads its configuration on SIGHUP; Wharf has nothing to reload, but must not die of it.
  const onHangup = () => log.info("Processing signal 'SIGHUP': nothing to reload");
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  process.on('SIGHUP', onHangup);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info(`Processing signal '${signal}': shutting down (containers keep running)`);
  await daemon.close();
  process.off('unhandledRejection', onRejection);
  process.off('uncaughtException', onException);
  process.off('SIGHUP', onHangup);
  log.info('Daemon shutdown complete');
  return signal;
}

/** Bulk requests may switch TurboFan on (daemon/optimizer-gate.ts); undefined when V8 was not tuned for a daemon. */
function optimizeBulkRequests(): ListenerHooks['onRequest'] {
  const gate = daemonOptimizerGate();
  if (!gate) return undefined;
  return (req, res) => {
    if (isBulkRequest(req.method, req.url)) res.once('close', gate.open());
  };
}

/**
 * `wharf daemon [flags]`: runs until SIGTERM or SIGINT, then shuts down cleanly and
 * resolves with the exit code (0; 1 when it could not start; 125 for bad flags).
 * `opts.engine` replaces the one opened from the data root (embedding, tests).
 */
export async function runDaemon(argv: string[], opts: { engine?: Engine } = {}): Promise<number> {
  let cfg: DaemonConfig;
  try {
    cfg = parseDaemonFlags(argv);
  } catch (err) {
    process.stderr.write(`wharf daemon: ${errorMessage(err)}\nSee 'wharf daemon --help'.\n`);
    return 125;
  }
  if (cfg.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const log = createLogger(cfg.logLevel);
  const gc = fullGcFunction();
  const idle = gc ? collectWhenIdle(gc, IDLE_COLLECT_MS) : undefined;
  let daemon: RunningDaemon;
  try {
    daemon = await startDaemon(cfg, { log, engine: opts.engine, hooks: { onActivity: idle?.touch, onRequest: optimizeBulkRequests() } });
  } catch (err) {
    log.error(`failed to start daemon: ${errorMessage(err)}`);
    return 1;
  }
  // Start-up's own garbage (restoring containers and networks) goes once the API is quiet.
  idle?.touch();
  await serveUntilSignal(daemon, log);
  idle?.stop();
  return 0;
}
