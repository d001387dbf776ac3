/**
 * The `wharf` command: docker's commands, flags, output and exit codes, as a thin client
 * of the Engine API. Start-up stays lean: only the chosen command's module is loaded.
 */
import { checkArgCount, helpText, parseArgs, UsageError, type CommandSpec, type ParsedArgs } from './args.js';
import { ApiError, CliError } from './cli-error.js';
import type { CliContext, Command } from './context.js';
import type { ApiClient } from './api/client.js';

type Loader = () => Promise<Record<string, unknown>>;

const lifecycle: Loader = () => import('./commands/lifecycle.js');
const images: Loader = () => import('./commands/images.js');
const imageOps: Loader = () => import('./commands/image-ops.js');
const runCmd: Loader = () => import('./commands/run.js');
const streams: Loader = () => import('./commands/streams.js');
const files: Loader = () => import('./commands/files.js');
const system: Loader = () => import('./commands/system.js');
const ps: Loader = () => import('./commands/ps.js');
const inspect: Loader = () => import('./commands/inspect.js');
const distribution: Loader = () => import('./commands/distribution.js');
const buildCmd: Loader = () => import('./commands/build.js');
const networks: Loader = () => import('./commands/networks.js');
const volumes: Loader = () => import('./commands/volumes.js');
const updateCmd: Loader = () => import('./commands/update.js');

/** command word → [module, export key] */
const table: Record<string, [Loader, string]> = {
  run: [runCmd, 'run'],
  create: [runCmd, 'create'],
  start: [streams, 'start'],
  attach: [streams, 'attach'],
  exec: [streams, 'exec'],
  logs: [streams, 'logs'],
  stop: [lifecycle, 'stop'],
  kill: [lifecycle, 'kill'],
  restart: [lifecycle, 'restart'],
  pause: [lifecycle, 'pause'],
  unpause: [lifecycle, 'unpause'],
  wait: [lifecycle, 'wait'],
  rm: [lifecycle, 'rm'],
  rename: [lifecycle, 'rename'],
  top: [lifecycle, 'top'],
  port: [lifecycle, 'port'],
  update: [updateCmd, 'update'],
  ps: [ps, 'ps'],
  stats: [ps, 'stats'],
  inspect: [inspect, 'inspect'],
  cp: [files, 'cp'],
  diff: [files, 'diff'],
  export: [files, 'export'],
  commit: [files, 'commit'],
  images: [images, 'images'],
  history: [images, 'history'],
  tag: [imageOps, 'tag'],
  rmi: [imageOps, 'rmi'],
  import: [imageOps, 'import'],
  load: [imageOps, 'load'],
  save: [imageOps, 'save'],
  build: [buildCmd, 'build'],
  pull: [distribution, 'pull'],
  push: [distribution, 'push'],
  login: [distribution, 'login'],
  logout: [distribution, 'logout'],
  events: [system, 'events'],
  version: [system, 'version'],
  info: [system, 'info'],
};

/** `wharf container|image|system SUB` → the top-level command (or a special one). */
const groups: Record<string, Record<string, [Loader, string]>> = {
  container: {
    ls: [ps, 'ps'], list: [ps, 'ps'], ps: [ps, 'ps'], rm: [lifecycle, 'rm'], remove: [lifecycle, 'rm'],
    inspect: [inspect, 'containerInspect'], prune: [system, 'containerPrune'], stats: [ps, 'stats'],
    ...pick(['run', 'create', 'start', 'stop', 'kill', 'restart', 'pause', 'unpause', 'wait', 'logs', 'exec', 'attach', 'top', 'rename', 'cp', 'diff', 'export', 'commit', 'port', 'update']),
  },
  image: {
    ls: [images, 'images'], list: [images, 'images'], rm: [imageOps, 'rmi'], remove: [imageOps, 'rmi'],
    inspect: [inspect, 'imageInspect'], prune: [system, 'imagePrune'],
    ...pick(['tag', 'history', 'import', 'load', 'save', 'pull', 'push', 'build']),
  },
  system: { df: [system, 'df'], prune: [system, 'systemPrune'], events: [system, 'events'], info: [system, 'info'] },
  network: {
    create: [networks, 'networkCreate'], ls: [networks, 'networkLs'], list: [networks, 'networkLs'], rm: [networks, 'networkRm'], remove: [networks, 'networkRm'],
    prune: [networks, 'networkPrune'], connect: [networks, 'networkConnect'], disconnect: [networks, 'networkDisconnect'], inspect: [inspect, 'networkInspect'],
  },
  volume: {
    create: [volumes, 'volumeCreate'], ls: [volumes, 'volumeLs'], list: [volumes, 'volumeLs'], rm: [volumes, 'volumeRm'], remove: [volumes, 'volumeRm'],
    prune: [volumes, 'volumePrune'], inspect: [inspect, 'volumeInspect'],
  },
};

function pick(names: string[]): Record<string, [Loader, string]> {
  return Object.fromEntries(names.map((n) => [n, table[n]]));
}

const globalSpec: CommandSpec = {
  name: '',
  usage: '[OPTIONS] COMMAND',
  interspersed: false,
  flags: [
    { name: 'host', short: 'H', type: 'list' },
    { name: 'tls', type: 'bool' },
    { name: 'tlsverify', type: 'bool' },
    { name: 'tlscacert', type: 'string' },
    { name: 'tlscert', type: 'string' },
    { name: 'tlskey', type: 'string' },
    { name: 'debug', short: 'D', type: 'bool' },
    { name: 'log-level', short: 'l', type: 'string' },
    { name: 'config', type: 'string' },
    { name: 'context', short: 'c', type: 'string' },
    { name: 'version', short: 'v', type: 'bool' },
    { name: 'help', short: 'h', type: 'bool' },
  ],
};

const VERSION = '0.1.0';

function usageMessage(err: UsageError, spec: CommandSpec, name: string): string {
  const usage = `Usage:  wharf ${name} ${spec.usage}`.trimEnd();
  if (err.kind === 'flag') return `${err.message}\n\n${usage}\n\nRun 'wharf ${name} --help' for more information\n`;
  return `wharf: ${err.message}\n\n${usage}\n\nSee 'wharf ${name} --help' for more information\n`;
}

function topHelp(): string {
  const cmds = Object.keys(table).sort().join(', ');
  return `\nUsage:  wharf [OPTIONS] COMMAND\n\nA Docker-compatible container engine\n\nManagement commands: container, image, network, volume, system, daemon, registry, server\nCommands: ${cmds}\n\nGlobal options: -H/--host, --tls, --tlsverify, --tlscacert, --tlscert, --tlskey, -D, -l, -v/--version\n`;
}

export async function main(argv: string[]): Promise<number | undefined> {
  let global;
  try {
    global = parseArgs(globalSpec, argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n\nUsage:  wharf [OPTIONS] COMMAND\n\nRun 'wharf --help' for more information\n`);
      return 125;
    }
    throw err;
  }
  if (global.bool('version')) {
    process.stdout.write(`Wharf version ${VERSION}\n`);
    return 0;
  }
  const [word, ...rest] = global.args;
  if (!word || global.bool('help')) {
    process.stdout.write(topHelp());
    return word || global.bool('help') ? 0 : 0;
  }
  if (word === 'daemon') {
    // V8 is sized for a daemon before its modules load and start-up runs (daemon/memory.ts).
    (await import('../daemon/memory.js')).tuneV8ForDaemon();
    return runExternal('../daemon/main.js', 'runDaemon', rest);
  }
  if (word === 'registry') return runExternal('../distribution/registry-cli.js', 'runRegistryCommand', rest);
  if (word === 'server') return runExternal('../cluster/server-cli.js', 'runServer', rest);

  let entry = table[word];
  let name = word;
  let args = rest;
  if (groups[word]) {
    const sub = rest[0];
    if (!sub || sub === '--help' || sub.startsWith('-')) {
      process.stdout.write(`\nUsage:  wharf ${word} COMMAND\n\nCommands: ${Object.keys(groups[word]).sort().join(', ')}\n`);
      return sub && sub !== '--help' ? 125 : 0;
    }
    entry = groups[word][sub];
    name = `${word} ${sub}`;
    args = rest.slice(1);
    if (!entry) {
      process.stderr.write(`wharf: unknown command: wharf ${word} ${sub}\n\nUsage:  wharf ${word}\n\nRun 'wharf ${word} --help' for more information\n`);
      return 1;
    }
  }
  if (!entry) {
    process.stderr.write(`wharf: unknown command: wharf ${word}\n\nRun 'wharf --help' for more information\n`);
    return 1;
  }
  // Every command but a few local ones talks to the daemon: connect and negotiate the API
  // version while the command's module loads, not after (errors surface only when used).
  const client = lazyClient(global);
  const wantsHelp = args.includes('--help') || args.includes('-h');
  if (!wantsHelp && !localOnly.has(entry[1])) client().catch(() => undefined);
  const mod = await entry[0]();
  const cmd = mod[entry[1]] as Command | undefined;
  if (!cmd) {
    process.stderr.write(`wharf: '${name}' is not available in this build\n`);
    return 1;
  }
  const spec = cmd.spec;
  if (args.includes('--help') || (args.includes('-h') && !spec.flags.some((f) => f.short === 'h'))) {
    const helpAt = args.indexOf('--help');
    const firstPositional = args.findIndex((a) => !a.startsWith('-'));
    if (spec.interspersed !== false || firstPositional < 0 || helpAt < firstPositional) {
      process.stdout.write(helpText({ ...spec, usage: `${name} ${spec.usage}` }));
      return 0;
    }
  }

  // The standard streams are made on first use: making stdin alone costs a stream object
  // (and for a pipe a socket) that most commands never read.
  const ctx: CliContext = {
    get stdout() {
      return process.stdout;
    },
    get stderr() {
      return process.stderr;
    },
    get stdin() {
      return process.stdin;
    },
    commandName: name,
    env: process.env,
    client,
  };
  try {
    const parsed = parseArgs(spec, args);
    checkArgCount(spec, parsed.args.length);
    return (await cmd.run(ctx, parsed)) ?? 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(usageMessage(err, spec, name));
      return err.kind === 'flag' ? 125 : 1;
    }
    if (err instanceof ApiError) {
      process.stderr.write(`${err.display}\n`);
      return 1;
    }
    if (err instanceof CliError) {
      if (err.message) process.stderr.write(`${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

/** Commands that never reach the daemon (they work on local files or credentials only). */
const localOnly = new Set(['login', 'logout']);

/** The API client, connected and negotiated once, on first call. */
function lazyClient(global: ParsedArgs): () => Promise<ApiClient> {
  let clientPromise: Promise<ApiClient> | undefined;
  return () => {
    clientPromise ??= (async () => {
      const [{ resolveEndpoint }, { ApiClient }] = await Promise.all([import('./api/endpoint.js'), import('./api/client.js')]);
      const ep = resolveEndpoint(global.list('host'), {
        tls: global.bool('tls'),
        tlsverify: global.bool('tlsverify'),
        tlscacert: global.string('tlscacert'),
        tlscert: global.string('tlscert'),
        tlskey: global.string('tlskey'),
      });
      const c = new ApiClient(ep);
      await c.negotiate();
      return c;
    })();
    return clientPromise;
  };
}

async function runExternal(path: string, fn: string, args: string[]): Promise<number | undefined> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(path)) as Record<string, unknown>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((err as Error).message).includes(path.slice(3))) {
      process.stderr.write(`wharf: this build has no ${path.includes('daemon') ? 'daemon' : 'registry'} yet\n`);
      return 1;
    }
    throw err;
  }
  const run = mod[fn];
  if (typeof run !== 'function') {
    process.stderr.write(`wharf: ${path} does not export ${fn}\n`);
    return 1;
  }
  const code: unknown = await (run as (a: string[]) => unknown)(args);
  return typeof code === 'number' ? code : undefined;
}

const code = await main(process.argv.slice(2));
if (code !== undefined) process.exit(code);
