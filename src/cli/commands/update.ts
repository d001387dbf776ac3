/** `wharf update`: new resource limits and restart policy for one or more containers, as `docker update`. */
import { UsageError, type ParsedArgs } from '../args.js';
import { CliError } from '../cli-error.js';
import type { Command } from '../context.js';
import { parseRamSize } from '../format/units.js';
import { eachName } from './common.js';

const flagNames: Record<string, string> = { memory: '-m, --memory', 'cpu-shares': '-c, --cpu-shares' };
const shown = (flag: string) => flagNames[flag] ?? `--${flag}`;

export const update: Command = {
  spec: {
    name: 'update',
    usage: '[OPTIONS] CONTAINER [CONTAINER...]',
    description: 'Update configuration of one or more containers',
    minArgs: 1,
    flags: [
      { name: 'blkio-weight', type: 'string' },
      { name: 'cpu-period', type: 'string' },
      { name: 'cpu-quota', type: 'string' },
      { name: 'cpu-rt-period', type: 'string' },
      { name: 'cpu-rt-runtime', type: 'string' },
      { name: 'cpu-shares', short: 'c', type: 'string' },
      { name: 'cpus', type: 'string' },
      { name: 'cpuset-cpus', type: 'string' },
      { name: 'cpuset-mems', type: 'string' },
      { name: 'memory', short: 'm', type: 'string' },
      { name: 'memory-reservation', type: 'string' },
      { name: 'memory-swap', type: 'string' },
      { name: 'pids-limit', type: 'string' },
      { name: 'restart', type: 'string' },
    ],
  },
  async run(ctx, a) {
    const body = updateBody(a);
    const warnings: string[] = [];
    const code = await eachName(ctx, a.args, async (name) => {
      const res = await (await ctx.client()).json<{ Warnings?: string[] | null }>('POST', `/containers/${encodeURIComponent(name)}/update`, { body });
      warnings.push(...(res.Warnings ?? []));
      return name;
    });
    // docker prints the daemon's warnings on stdout, after the names.
    if (warnings.length) ctx.stdout.write(`${warnings.join('\n')}\n`);
    return code;
  },
};

/** The request body docker's CLI sends: every resource field, 0/"" meaning "unchanged". */
export function updateBody(a: ParsedArgs): Record<string, unknown> {
  const given = [...a.given].filter((f) => f !== 'help');
  if (given.length === 0) throw new CliError('you must provide one or more flags when using this command', 1);
  const int = (flag: string, opts: { unsigned16?: boolean } = {}): number => {
    const v = a.string(flag);
    if (v === undefined) return 0;
    const parser = opts.unsigned16 ? 'strconv.ParseUint' : 'strconv.ParseInt';
    if (!(opts.unsigned16 ? /^\d+$/ : /^[-+]?\d+$/).test(v)) throw new UsageError(`invalid argument "${v}" for "${shown(flag)}" flag: ${parser}: parsing "${v}": invalid syntax`, 'flag');
    const n = Number(v);
    if (opts.unsigned16 && n > 65535) throw new UsageError(`invalid argument "${v}" for "${shown(flag)}" flag: ${parser}: parsing "${v}": value out of range`, 'flag');
    return n;
  };
  const bytes = (flag: string, allowUnlimited = false): number => {
    const v = a.string(flag);
    if (v === undefined || v === '') return 0;
    if (allowUnlimited && v === '-1') return -1;
    try {
      return parseRamSize(v);
    } catch {
      throw new UsageError(`invalid argument "${v}" for "${shown(flag)}" flag: invalid size: '${v}'`, 'flag');
    }
  };
  const cpus = a.string('cpus');
  if (cpus !== undefined && !/^\d*\.?\d+$/.test(cpus)) {
    throw new UsageError(`invalid argument "${cpus}" for "--cpus" flag: failed to parse ${cpus} as a rational number`, 'flag');
  }
  const body: Record<string, unknown> = {
    BlkioWeight: int('blkio-weight', { unsigned16: true }),
    CpuPeriod: int('cpu-period'),
    CpuQuota: int('cpu-quota'),
    CpuRealtimePeriod: int('cpu-rt-period'),
    CpuRealtimeRuntime: int('cpu-rt-runtime'),
    CpuShares: int('cpu-shares'),
    NanoCpus: cpus !== undefined ? Math.round(Number(cpus) * 1e9) : 0,
    CpusetCpus: a.string('cpuset-cpus') ?? '',
    CpusetMems: a.string('cpuset-mems') ?? '',
    Memory: bytes('memory'),
    MemoryReservation: bytes('memory-reservation'),
    MemorySwap: bytes('memory-swap', true),
    // Sent only when given: null keeps the limit, as with docker.
    PidsLimit: a.has('pids-limit') ? int('pids-limit') : null,
    RestartPolicy: restartPolicy(a.string('restart')),
  };
  return body;
}

function restartPolicy(value: string | undefined): { Name: string; MaximumRetryCount: number } {
  if (!value) return { Name: '', MaximumRetryCount: 0 };
  const [name, retries] = value.split(':');
  if (retries !== undefined && !/^\d+$/.test(retries)) throw new CliError('invalid restart policy format: maximum retry count must be an integer', 1);
  return { Name: name, MaximumRetryCount: retries === undefined ? 0 : Number(retries) };
}
