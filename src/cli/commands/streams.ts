/** Commands that stream a container's I/O: start (-a/-i), attach, exec, logs. */
import type { IncomingMessage } from 'node:http';
import { ApiError, CliError } from '../cli-error.js';
import type { CliContext, Command } from '../context.js';
import { parseTimestamp } from '../format/units.js';
import { Demuxer } from '../stream/demux.js';
import { followTerminalSize, parseDetachKeys, proxySignals, pumpHijacked } from '../stream/hijack-io.js';
import { eachName, readKeyValueFile } from './common.js';
import { exitStatus, startErrorStatus } from './run.js';

const cpath = (name: string) => `/containers/${encodeURIComponent(name)}`;

interface ContainerJson {
  Id: string;
  Config: { Tty: boolean; OpenStdin: boolean; AttachStdin?: boolean };
  State?: { Running?: boolean; Paused?: boolean; Restarting?: boolean };
  HostConfig?: { AutoRemove?: boolean };
}

function keysOf(ctx: CliContext, spec: string | undefined): number[] | undefined {
  if (spec === undefined) return undefined;
  try {
    return parseDetachKeys(spec);
  } catch (err) {
    throw new CliError((err as Error).message, 1);
  }
}

export const start: Command = {
  spec: {
    name: 'start',
    usage: '[OPTIONS] CONTAINER [CONTAINER...]',
    description: 'Start one or more stopped containers',
    minArgs: 1,
    flags: [
      { name: 'attach', short: 'a', type: 'bool' },
      { name: 'interactive', short: 'i', type: 'bool' },
      { name: 'detach-keys', type: 'string' },
    ],
  },
  async run(ctx, a) {
    const client = await ctx.client();
    const attach = a.bool('attach') || a.bool('interactive');
    if (!attach) {
      const failed: string[] = [];
      const code = await eachName(ctx, a.args, async (name) => {
        try {
          await client.call('POST', `${cpath(name)}/start`).then((r) => r.resume());
        } catch (err) {
          failed.push(name);
          throw err;
        }
        return name;
      });
      if (failed.length > 0) ctx.stderr.write(`Error: failed to start containers: ${failed.join(', ')}\n`);
      return code;
    }
    if (a.args.length > 1) throw new CliError('you cannot start and attach multiple containers at once', 1);
    const info = await client.json<ContainerJson>('GET', `${cpath(a.args[0])}/json`);
    const tty = info.Config.Tty;
    const withStdin = a.bool('interactive') && info.Config.OpenStdin;
    const dk = a.string('detach-keys');
    const hijacked = await client.hijack(`${cpath(info.Id)}/attach`, { query: { stream: true, stdin: withStdin, stdout: true, stderr: true, detachKeys: dk } });
    const pumping = pumpHijacked(hijacked, { tty, stdin: withStdin ? ctx.stdin : undefined, stdout: ctx.stdout, stderr: ctx.stderr, detachKeys: keysOf(ctx, dk) });
    const waitRes = client.send('POST', `${cpath(info.Id)}/wait`, { query: { condition: info.HostConfig?.AutoRemove ? 'removed' : 'next-exit' } });
    const status = exitStatus(waitRes);
    status.catch(() => undefined);
    await Promise.race([waitRes.catch(() => undefined), new Promise((r) => setTimeout(r, 2000))]);
    const starting = client.call('POST', `${cpath(info.Id)}/start`).then((r) => r.resume());
    const stopSignals = !tty ? proxySignals((sig) => client.call('POST', `${cpath(info.Id)}/kill`, { query: { signal: sig } }).then((r) => r.resume()), starting) : undefined;
    try {
      await starting;
    } catch (err) {
      stopSignals?.();
      hijacked.socket.destroy();
      await pumping;
      if (err instanceof ApiError) {
        ctx.stderr.write(`${err.display}\n`);
        return startErrorStatus(err.message) === 125 ? 1 : startErrorStatus(err.message);
      }
      throw err;
    }
    const stopResize = tty ? followTerminalSize(ctx.stdout, (h, w) => client.call('POST', `${cpath(info.Id)}/resize`, { query: { h, w } }).then((r) => r.resume())) : undefined;
    try {
      const pumped = await pumping;
      if (pumped.detached) return 0;
      return await status;
    } finally {
      stopResize?.();
      stopSignals?.();
    }
  },
};

export const attach: Command = {
  spec: {
    name: 'attach',
    usage: '[OPTIONS] CONTAINER',
    description: "Attach local standard input, output, and error streams to a running container",
    minArgs: 1,
    maxArgs: 1,
    flags: [
      { name: 'no-stdin', type: 'bool' },
      { name: 'sig-proxy', type: 'bool' },
      { name: 'detach-keys', type: 'string' },
    ],
  },
  async run(ctx, a) {
    const client = await ctx.client();
    const info = await client.json<ContainerJson>('GET', `${cpath(a.args[0])}/json`);
    if (!info.State?.Running) throw new CliError('You cannot attach to a stopped container, start it first', 1);
    if (info.State.Paused) throw new CliError('You cannot attach to a paused container, unpause it first', 1);
    if (info.State.Restarting) throw new CliError('You cannot attach to a restarting container, wait until it is running', 1);
    const tty = info.Config.Tty;
    const withStdin = !a.bool('no-stdin') && info.Config.OpenStdin;
    const dk = a.string('detach-keys');
    const hijacked = await client.hijack(`${cpath(info.Id)}/attach`, { query: { stream: true, stdin: withStdin, stdout: true, stderr: true, detachKeys: dk } });
    const status = exitStatus(client.send('POST', `${cpath(info.Id)}/wait`, { query: { condition: 'next-exit' } }));
    status.catch(() => undefined);
    const stopResize = tty ? followTerminalSize(ctx.stdout, (h, w) => client.call('POST', `${cpath(info.Id)}/resize`, { query: { h, w } }).then((r) => r.resume())) : undefined;
    const stopSignals = !tty && a.bool('sig-proxy', true) ? proxySignals((sig) => client.call('POST', `${cpath(info.Id)}/kill`, { query: { signal: sig } }).then((r) => r.resume())) : undefined;
    try {
      const pumped = await pumpHijacked(hijacked, { tty, stdin: withStdin ? ctx.stdin : undefined, stdout: ctx.stdout, stderr: ctx.stderr, detachKeys: keysOf(ctx, dk) });
      if (pumped.detached) return 0;
      return await status;
    } finally {
      stopResize?.();
      stopSignals?.();
    }
  },
};

export const exec: Command = {
  spec: {
    name: 'exec',
    usage: '[OPTIONS] CONTAINER COMMAND [ARG...]',
    description: 'Execute a command in a running container',
    minArgs: 2,
    interspersed: false,
    flags: [
      { name: 'interactive', short: 'i', type: 'bool' },
      { name: 'tty', short: 't', type: 'bool' },
      { name: 'detach', short: 'd', type: 'bool' },
      { name: 'env', short: 'e', type: 'list' },
      { name: 'env-file', type: 'list' },
      { name: 'user', short: 'u', type: 'string' },
      { name: 'workdir', short: 'w', type: 'string' },
      { name: 'privileged', type: 'bool' },
      { name: 'detach-keys', type: 'string' },
    ],
  },
  async run(ctx, a) {
    const [container, ...cmd] = a.args;
    const tty = a.bool('tty');
    const interactive = a.bool('interactive');
    const detach = a.bool('detach');
    if (interactive && tty && !detach && !ctx.stdin.isTTY) throw new CliError('the input device is not a TTY', 1);
    const env: string[] = [];
    for (const f of a.list('env-file')) env.push(...(await readKeyValueFile(f, 'env')));
    for (const e of a.list('env')) {
      if (e.includes('=')) env.push(e);
      else if (process.env[e] !== undefined) env.push(`${e}=${process.env[e]}`);
    }
    const client = await ctx.client();
    await client.json('GET', `${cpath(container)}/json`);
    const consoleSize = tty && ctx.stdout.isTTY ? [ctx.stdout.rows, ctx.stdout.columns] : undefined;
    const created = await client.json<{ Id: string }>('POST', `${cpath(container)}/exec`, {
      body: {
        User: a.string('user') ?? '',
        Privileged: a.bool('privileged'),
        Tty: tty,
        ConsoleSize: consoleSize,
        AttachStdin: interactive && !detach,
        AttachStderr: !detach,
        AttachStdout: !detach,
        DetachKeys: a.string('detach-keys') ?? '',
        Env: env,
        WorkingDir: a.string('workdir') ?? '',
        Cmd: cmd,
      },
    });
    const execPath = `/exec/${created.Id}`;
    if (detach) {
      await client.call('POST', `${execPath}/start`, { body: { Detach: true, Tty: tty, ConsoleSize: consoleSize } }).then((r) => r.resume());
      return 0;
    }
    const hijacked = await client.hijack(`${execPath}/start`, { body: { Detach: false, Tty: tty, ConsoleSize: consoleSize } });
    const stopResize = tty ? followTerminalSize(ctx.stdout, (h, w) => client.call('POST', `${execPath}/resize`, { query: { h, w } }).then((r) => r.resume())) : undefined;
    try {
      await pumpHijacked(hijacked, { tty, stdin: interactive ? ctx.stdin : undefined, stdout: ctx.stdout, stderr: ctx.stderr, detachKeys: keysOf(ctx, a.string('detach-keys')) });
    } finally {
      stopResize?.();
    }
    const res = await client.json<{ ExitCode: number | null; Running: boolean }>('GET', `${execPath}/json`);
    return res.ExitCode ?? 0;
  },
};

export const logs: Command = {
  spec: {
    name: 'logs',
    usage: '[OPTIONS] CONTAINER',
    description: 'Fetch the logs of a container',
    minArgs: 1,
    maxArgs: 1,
    flags: [
      { name: 'follow', short: 'f', type: 'bool' },
      { name: 'tail', short: 'n', type: 'string' },
      { name: 'since', type: 'string' },
      { name: 'until', type: 'string' },
      { name: 'timestamps', short: 't', type: 'bool' },
      { name: 'details', type: 'bool' },
    ],
  },
  async run(ctx, a) {
    const client = await ctx.client();
    const info = await client.json<ContainerJson>('GET', `${cpath(a.args[0])}/json`);
    const ts = (v: string | undefined) => {
      if (v === undefined) return undefined;
      try {
        return parseTimestamp(v);
      } catch (err) {
        throw new CliError((err as Error).message, 1);
      }
    };
    const res: IncomingMessage = await client.call('GET', `${cpath(info.Id)}/logs`, {
      query: {
        stdout: true,
        stderr: true,
        follow: a.bool('follow'),
        since: ts(a.string('since')),
        until: ts(a.string('until')),
        timestamps: a.bool('timestamps'),
        details: a.bool('details'),
        tail: a.string('tail') ?? 'all',
      },
    });
    const raw = info.Config.Tty;
    const demux = new Demuxer((stream, payload) => (stream === 2 ? ctx.stderr : ctx.stdout).write(payload));
    for await (const chunk of res) {
      if (raw) ctx.stdout.write(chunk as Buffer);
      else demux.push(chunk as Buffer);
    }
  },
};
