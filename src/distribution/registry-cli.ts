import { parseArgs } from 'node:util';
import { DEFAULT_GC_MIN_AGE_MS, garbageCollect } from './registry/gc.js';
import { availableParallelism } from 'node:os';
import { startClusteredRegistry } from './registry/cluster.js';
import { buildAuthorizer, startRegistry, type RegistryOptions } from './registry/server.js';

/**
 * One worker per core but one (kept for the clients, the kernel and the master process that
 * hands out connections), at most 4: on 2 cores two workers measured 0.95x Docker's registry
 * with 32 local pullers, one worker 1.08x.
 */
function defaultWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

const DEFAULT_ROOT = '/var/lib/wharf/registry';

const USAGE = `Usage:  wharf registry serve [OPTIONS]
        wharf registry gc --root DIR [--dry-run] [--delete-untagged] [--min-age SECONDS]

Serve an OCI Distribution registry, or remove blobs no manifest references.

serve options:
      --addr HOST:PORT        Address to listen on (default 127.0.0.1:5000)
      --root DIR              Storage root (default ${DEFAULT_ROOT})
      --htpasswd FILE         Require basic auth against an htpasswd file of bcrypt entries
      --tls-cert FILE         Serve HTTPS with this certificate
      --tls-key FILE          ... and this key
      --token-realm URL       Require bearer tokens issued at this realm
      --token-service NAME    Service name tokens must be issued for (audience)
      --token-issuer NAME     Issuer tokens must carry
      --token-cert FILE       Certificate or public key that verifies tokens
      --max-requests N        Requests served at once per worker; more get 429 TOOMANYREQUESTS (default: no limit)
      --workers N             Worker processes sharing the port (default ${defaultWorkers()}: one per core, up to 4)

gc options:
      --root DIR              Storage root (default ${DEFAULT_ROOT})
      --dry-run               Only list what would be removed
      --delete-untagged       Also remove manifests no tag reaches (via indexes and referrers)
      --min-age SECONDS       Keep unreferenced blobs touched this recently (default ${DEFAULT_GC_MIN_AGE_MS / 1000})
`;

/**
 * `wharf registry ...`; `argv` is what follows `registry`. Resolves to the exit code:
 * 0 on success (serve: after SIGINT/SIGTERM), 125 on usage errors, 1 on failures.
 */
export async function runRegistryCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    if (sub === 'serve') return await serve(rest);
    if (sub === 'gc') return await gc(rest);
    if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
      process.stdout.write(USAGE);
      return sub === undefined ? 125 : 0;
    }
    process.stderr.write(`wharf registry: unknown command "${sub}"\n\n${USAGE}`);
    return 125;
  } catch (err) {
    const e = err as Error & { code?: string };
    if (e.code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`wharf registry: ${e.message}\nSee 'wharf registry --help'.\n`);
      return 125;
    }
    process.stderr.write(`wharf registry: ${e.message}\n`);
    return 1;
  }
}

async function serve(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      addr: { type: 'string', default: '127.0.0.1:5000' },
      root: { type: 'string', default: DEFAULT_ROOT },
      htpasswd: { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'token-realm': { type: 'string' },
      'token-service': { type: 'string' },
      'token-issuer': { type: 'string' },
      'token-cert': { type: 'string' },
      workers: { type: 'string' },
      'max-requests': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const opts: RegistryOptions = { root: values.root!, addr: values.addr, htpasswdFile: values.htpasswd };
  if (values['tls-cert'] || values['tls-key']) {
    if (!values['tls-cert'] || !values['tls-key']) return usage('--tls-cert and --tls-key go together');
    opts.tls = { certFile: values['tls-cert'], keyFile: values['tls-key'] };
  }
  const tokenFlags = ['token-realm', 'token-service', 'token-issuer', 'token-cert'] as const;
  if (tokenFlags.some((f) => values[f])) {
    const missing = tokenFlags.filter((f) => !values[f]);
    if (missing.length) return usage(`token auth also needs ${missing.map((f) => `--${f}`).join(', ')}`);
    opts.token = {
      realm: values['token-realm']!,
      service: values['token-service']!,
      issuer: values['token-issuer']!,
      certFile: values['token-cert']!,
    };
  }
  if (values['max-requests'] !== undefined) {
    const n = Number(values['max-requests']);
    if (!Number.isSafeInteger(n) || n < 0) return usage(`invalid --max-requests ${values['max-requests']}`);
    opts.maxInflight = n;
  }
  const workers = values.workers === undefined ? defaultWorkers() : Number(values.workers);
  if (!Number.isSafeInteger(workers) || workers < 1 || workers > 256) return usage(`invalid --workers ${values.workers}`);
  // Read the credentials files once here, so a bad one fails the command rather than a worker.
  await buildAuthorizer(opts);
  // Listen for the stop signals before starting, so one that arrives during start-up is not fatal.
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  const reg = workers > 1 ? await startClusteredRegistry(opts, workers) : await startRegistry(opts);
  process.stderr.write(`wharf registry: serving ${reg.url} from ${opts.root}${workers > 1 ? ` with ${workers} workers` : ''}\n`);
  await stopped;
  await reg.close();
  return 0;
}

async function gc(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      root: { type: 'string', default: DEFAULT_ROOT },
      'dry-run': { type: 'boolean', default: false },
      'delete-untagged': { type: 'boolean', default: false },
      'min-age': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  let minAgeMs: number | undefined;
  if (values['min-age'] !== undefined) {
    const s = Number(values['min-age']);
    if (!Number.isFinite(s) || s < 0) return usage(`invalid --min-age ${values['min-age']}`);
    minAgeMs = s * 1000;
  }
  const dryRun = values['dry-run']!;
  const res = await garbageCollect({
    root: values.root!,
    dryRun,
    minAgeMs,
    deleteUntagged: values['delete-untagged'],
    log: (m) => process.stderr.write(`${m}\n`),
  });
  const verb = dryRun ? 'would delete' : 'deleted';
  for (const m of res.removedManifests) process.stdout.write(`${verb} manifest ${m}\n`);
  for (const d of res.deleted) process.stdout.write(`${verb} ${d}\n`);
  process.stdout.write(
    `${res.marked} referenced, ${res.deleted.length} ${verb}, ${res.keptRecent.length} unreferenced kept as recent\n`,
  );
  return 0;
}

function usage(msg: string): number {
  process.stderr.write(`wharf registry: ${msg}\nSee 'wharf registry --help'.\n`);
  return 125;
}
