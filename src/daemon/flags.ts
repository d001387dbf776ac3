import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { invalidParameter } from '../common/errors.js';
import { LOG_LEVELS, type LogLevel } from './log.js';
import { planLogging, validateLogConfig } from '../logging/index.js';

export type HostAddress = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

export interface DaemonConfig {
  dataRoot: string;
  execRoot: string;
  pidfile: string;
  hosts: HostAddress[];
  logLevel: LogLevel;
  tls?: { cert: string; key: string; ca?: string; verify: boolean };
  defaultRuntime?: string;
  /** `--runtime name=path`, for runtimes beside runc. */
  runtimes: Record<string, string>;
  /** dockerd's --cgroup-parent. */
  cgroupParent?: string;
  /** dockerd's --ip-masq: masquerade traffic leaving the host from container networks. */
  ipMasq: boolean;
  /** -b/--bridge: the default bridge network's Linux bridge; --bip: its subnet (CIDR). */
  bridge?: string;
  bip?: string;
  /** --default-address-pool base=CIDR[,size=N]: where user networks without --subnet come from. */
  addressPools: string[];
  /** --insecure-registry: registries reached over plain HTTP. */
  insecureRegistries: string[];
  /** --log-driver, --log-opt: containers' default logging. */
  logConfig: { Type: string; Config: Record<string, string> };
  /** --cpu-rt-period, --cpu-rt-runtime (µs): the containers' parent cgroup's real-time budget. */
  realtimeBudget: { period?: number; runtime?: number };
  help: boolean;
}

export const DEFAULT_DATA_ROOT = '/var/lib/wharf';
export const DEFAULT_EXEC_ROOT = '/run/wharf';
export const DEFAULT_PIDFILE = '/run/wharf/wharf.pid';
export const DEFAULT_HOST = 'unix:///run/wharf/wharf.sock';

export const USAGE = `Usage: wharf daemon [OPTIONS]

Run the Wharf daemon: a Docker Engine API server (dockerd's flag spelling).

Options:
      --data-root string        Root directory of persistent state (default "${DEFAULT_DATA_ROOT}")
      --exec-root string        Root directory for execution state files (default "${DEFAULT_EXEC_ROOT}")
  -H, --host list               Daemon socket(s) to listen on: unix:///path or tcp://host:port (default "${DEFAULT_HOST}")
  -p, --pidfile string          Path to use for the daemon PID file (default "${DEFAULT_PIDFILE}")
  -l, --log-level string        Logging level: debug, info, warn, error, fatal (default "info")
  -D, --debug                   Enable debug mode (same as --log-level debug)
      --tls                     Use TLS; implied by --tlsverify
      --tlsverify               Use TLS and verify the client's certificate (mutual TLS)
      --tlscacert string        Trust certs signed only by this CA (default "~/.docker/ca.pem")
      --tlscert string          Path to TLS certificate file (default "~/.docker/cert.pem")
      --tlskey string           Path to TLS key file (default "~/.docker/key.pem")
      --default-runtime string  Default OCI runtime for containers (default "runc")
      --runtime name=path       Register an additional OCI runtime (repeatable)
      --cgroup-parent string    Parent cgroup for all containers (default "/wharf")
      --ip-masq                 Masquerade traffic leaving the host from container networks (default true)
  -b, --bridge string           Linux bridge of the default network (default "wharf0")
      --bip string              Subnet of the default bridge network (default "10.47.0.0/16")
      --default-address-pool    base=CIDR[,size=N]: pool for networks created without --subnet (repeatable)
      --insecure-registry list  Registries to reach over plain HTTP (repeatable)
      --log-driver string       Default driver for container logs: json-file, local, none (default "json-file")
      --log-opt map             Default log driver options for containers (repeatable key=value)
      --cpu-rt-period int       Real-time period of the containers' parent cgroup, in microseconds
      --cpu-rt-runtime int      Real-time runtime of the containers' parent cgroup, in microseconds
  -h, --help                    Print usage
`;

const BOOLEAN_FLAGS = new Set(['--tls', '--tlsverify', '--debug', '-D', '--help', '--ip-masq']);

/** dockerd accepts `--tlsverify=false`; node's parser does not, so such booleans are rewritten first. */
function normaliseBooleans(argv: string[]): string[] {
  const out: string[] = [];
  for (const arg of argv) {
    const m = /^(--?[a-zA-Z-]+)=(true|false|1|0)$/.exec(arg);
    if (m && BOOLEAN_FLAGS.has(m[1]!)) {
      if (m[2] === 'true' || m[2] === '1') out.push(m[1]!);
      // A default-on boolean turned off needs its own spelling for node's parser.
      else if (m[1] === '--ip-masq') out.push('--no-ip-masq');
      continue;
    }
    out.push(arg);
  }
  return out;
}

/** `unix:///run/x.sock`, `tcp://127.0.0.1:2375`, `tcp://:2376` (all interfaces). */
export function parseHost(addr: string, tls: boolean): HostAddress {
  if (addr.startsWith('unix://')) {
    const path = addr.slice('unix://'.length) || '/run/wharf/wharf.sock';
    if (!path.startsWith('/')) throw invalidParameter(`invalid unix socket path in ${addr}: must be absolute`);
    return { kind: 'unix', path };
  }
  if (addr.startsWith('/')) return { kind: 'unix', path: addr };
  if (addr.startsWith('tcp://')) {
    const rest = addr.slice('tcp://'.length).replace(/\/+$/, '');
    const m = /^(\[[^\]]*\]|[^:]*)(?::([0-9]+))?$/.exec(rest);
    if (!m) throw invalidParameter(`invalid tcp address: ${addr}`);
    const host = (m[1] ?? '').replace(/^\[|\]$/g, '') || '0.0.0.0';
    const port = m[2] === undefined ? (tls ? 2376 : 2375) : Number(m[2]);
    if (port < 0 || port > 65535) throw invalidParameter(`invalid port in ${addr}`);
    return { kind: 'tcp', host, port };
  }
  throw invalidParameter(`invalid daemon address ${JSON.stringify(addr)}: use unix:///path or tcp://host:port`);
}

/** Parses `wharf daemon` arguments; a bad flag or value is an invalid-parameter error. */
export function parseDaemonFlags(argv: string[], env: NodeJS.ProcessEnv = process.env): DaemonConfig {
  let values;
  try {
    ({ values } = parseArgs({
      args: normaliseBooleans(argv),
      strict: true,
      allowPositionals: false,
      options: {
        'data-root': { type: 'string' },
        'exec-root': { type: 'string' },
        host: { type: 'string', short: 'H', multiple: true },
        pidfile: { type: 'string', short: 'p' },
        'log-level': { type: 'string', short: 'l' },
        debug: { type: 'boolean', short: 'D' },
        tls: { type: 'boolean' },
        tlsverify: { type: 'boolean' },
        tlscacert: { type: 'string' },
        tlscert: { type: 'string' },
        tlskey: { type: 'string' },
        'default-runtime': { type: 'string' },
        runtime: { type: 'string', multiple: true },
        'cgroup-parent': { type: 'string' },
        'ip-masq': { type: 'boolean' },
        'no-ip-masq': { type: 'boolean' },
        bridge: { type: 'string', short: 'b' },
        bip: { type: 'string' },
        'default-address-pool': { type: 'string', multiple: true },
        'insecure-registry': { type: 'string', multiple: true },
        'log-driver': { type: 'string' },
        'log-opt': { type: 'string', multiple: true },
        'cpu-rt-period': { type: 'string' },
        'cpu-rt-runtime': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw invalidParameter((err as Error).message, err);
  }
  const logLevel = (values.debug ? 'debug' : (values['log-level'] ?? 'info')) as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw invalidParameter(`unable to parse logging level: ${values['log-level']}`);
  const certDir = env.DOCKER_CERT_PATH || join(homedir(), '.docker');
  const useTls = Boolean(values.tls || values.tlsverify || values.tlscert || values.tlskey);
  const tls = useTls
    ? {
        cert: values.tlscert ?? join(certDir, 'cert.pem'),
        key: values.tlskey ?? join(certDir, 'key.pem'),
        ca: values.tlsverify || values.tlscacert ? (values.tlscacert ?? join(certDir, 'ca.pem')) : undefined,
        verify: Boolean(values.tlsverify),
      }
    : undefined;
  const runtimes: Record<string, string> = {};
  for (const r of values.runtime ?? []) {
    const eq = r.indexOf('=');
    if (eq <= 0 || eq === r.length - 1) throw invalidParameter(`invalid runtime ${JSON.stringify(r)}: expected name=path`);
    runtimes[r.slice(0, eq)] = r.slice(eq + 1);
  }
  const hostArgs = values.host?.length ? values.host : [DEFAULT_HOST];
  return {
    dataRoot: values['data-root'] ?? DEFAULT_DATA_ROOT,
    execRoot: values['exec-root'] ?? DEFAULT_EXEC_ROOT,
    pidfile: values.pidfile ?? DEFAULT_PIDFILE,
    hosts: hostArgs.map((h) => parseHost(h, useTls)),
    logLevel,
    tls,
    defaultRuntime: values['default-runtime'],
    runtimes,
    cgroupParent: values['cgroup-parent'],
    ipMasq: !values['no-ip-masq'],
    bridge: values.bridge,
    bip: values.bip,
    addressPools: (values['default-address-pool'] ?? []).map((p) => {
      const base = /(?:^|,)base=([^,]+)/.exec(p)?.[1];
      if (!base) throw invalidParameter(`invalid default address pool ${JSON.stringify(p)}: expected base=CIDR[,size=N]`);
      return base;
    }),
    insecureRegistries: values['insecure-registry'] ?? [],
    logConfig: defaultLogConfig(values['log-driver'], values['log-opt'] ?? []),
    realtimeBudget: { period: microseconds(values['cpu-rt-period'], 'cpu-rt-period'), runtime: microseconds(values['cpu-rt-runtime'], 'cpu-rt-runtime') },
    help: Boolean(values.help),
  };
}

/** --log-driver/--log-opt, checked as dockerd checks them before it starts. */
function defaultLogConfig(driver: string | undefined, opts: string[]): { Type: string; Config: Record<string, string> } {
  const cfg = { Type: driver || 'json-file', Config: {} as Record<string, string> };
  for (const o of opts) {
    const eq = o.indexOf('=');
    if (eq <= 0) throw invalidParameter(`invalid log opt ${JSON.stringify(o)}: expected key=value`);
    cfg.Config[o.slice(0, eq)] = o.slice(eq + 1);
  }
  try {
    validateLogConfig(cfg);
    planLogging(cfg);
  } catch (err) {
    throw invalidParameter(`failed to set log opts: ${(err as Error).message.replace(/^failed to initialize logging driver: /, '')}`, err);
  }
  return cfg;
}

function microseconds(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw invalidParameter(`invalid argument ${JSON.stringify(v)} for "--${flag}" flag: strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v) || undefined;
}
