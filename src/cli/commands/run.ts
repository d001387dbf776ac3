/**
 * `run` and `create`. run follows docker's order so no output and no exit is missed:
 * create (pulling on "No such image") → attach (hijack) → wait (next-exit, or removed for
 * --rm) → start → stream until the container ends → exit with its status.
 */
import type { ApiClient } from '../api/client.js';
import { readAll } from '../api/client.js';
import type { ParsedArgs } from '../args.js';
import { ApiError, CliError } from '../cli-error.js';
import type { CliContext, Command } from '../context.js';
import { followTerminalSize, parseDetachKeys, proxySignals, pumpHijacked } from '../stream/hijack-io.js';
import { containerFlags, runOnlyFlags } from './run-flags.js';
import { buildCreateRequest, type CreateRequest } from './run-config.js';
import { pullImage, withDefaultTag } from './pull.js';

function daemonError(err: unknown, command: string, exitCode = 125): never {
  if (err instanceof ApiError) {
    throw new CliError(`wharf: ${err.display}\n\nRun 'wharf ${command} --help' for more information`, exitCode);
  }
  throw err;
}

/** docker's mapping of a failed start to 125, 126 (cannot invoke) or 127 (not found). */
export function startErrorStatus(message: string): number {
  if (/executable file not found|no such file or directory|system cannot find the file specified/.test(message)) return 127;
  if (/permission denied|is a directory/.test(message)) return 126;
  return 125;
}

async function createContainer(ctx: CliContext, client: ApiClient, req: CreateRequest, a: ParsedArgs, command: string): Promise<string> {
  // run reports daemon errors as "wharf: Error response…" + help hint (125); create plainly (1).
  const isRun = command === 'run' || command === 'container run';
  const fail = (err: unknown): never => {
    if (!isRun && err instanceof ApiError) throw new CliError(err.display, 1);
    if (!isRun && err instanceof CliError && err.exitCode !== 125) throw err;
    return daemonError(err, command);
  };
  const pull = a.string('pull') ?? 'missing';
  if (!['missing', 'always', 'never'].includes(pull)) {
    throw new CliError(`wharf: invalid pull option: '${pull}': must be one of "always", "missing" or "never"\n\nRun 'wharf ${command} --help' for more information`, 125);
  }
  const image = String(req.body.Image);
  const quiet = a.bool('quiet');
  const doPull = async () => {
    try {
      await pullImage(client, image, quiet ? devNull : ctx.stderr, req.platform);
    } catch (err) {
      if (err instanceof CliError) {
        throw isRun ? new CliError(`wharf: ${err.message}\n\nRun 'wharf ${command} --help' for more information`, 125) : new CliError(`Error response from daemon: ${err.message}`, 1);
      }
      fail(err);
    }
  };
  const create = () => client.json<{ Id: string; Warnings?: string[] | null }>('POST', '/containers/create', { query: { name: req.name, platform: req.platform }, body: req.body });
  if (pull === 'always') await doPull();
  let res;
  try {
    res = await create();
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 404 || !/no such image/i.test(err.message) || pull !== 'missing') fail(err);
    ctx.stderr.write(`Unable to find image '${withDefaultTag(image)}' locally\n`);
    await doPull();
    res = await create().catch((e: unknown) => fail(e));
  }
  for (const w of res.Warnings ?? []) ctx.stderr.write(`WARNING: ${w}\n`);
  const cidfile = a.string('cidfile');
  if (cidfile) {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(cidfile, res.Id, { flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
      throw new CliError(
        err.code === 'EEXIST' ? `wharf: Container ID file found, make sure the other container isn't running or delete ${cidfile}` : `wharf: failed to create the container ID file: ${err.message}`,
        125,
      );
    });
  }
  return res.Id;
}

const devNull = { write: () => true } as unknown as NodeJS.WritableStream;

function consoleSize(ctx: CliContext, tty: boolean): [number, number] | undefined {
  return tty && ctx.stdout.isTTY ? [ctx.stdout.rows, ctx.stdout.columns] : undefined;
}

export const create: Command = {
  spec: { name: 'create', usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]', description: 'Create a new container', interspersed: false, minArgs: 1, flags: containerFlags },
  async run(ctx, a) {
    const req = await buildCreateRequest(a, { detach: false, autoRemove: false, consoleSize: consoleSize(ctx, a.bool('tty')) });
    const client = await ctx.client();
    const id = await createContainer(ctx, client, req, a, ctx.commandName);
    ctx.stdout.write(`${id}\n`);
  },
};

export const run: Command = {
  spec: { name: 'run', usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]', description: 'Create and run a new container from an image', interspersed: false, minArgs: 1, flags: [...containerFlags, ...runOnlyFlags] },
  async run(ctx, a) {
    const detach = a.bool('detach');
    const autoRemove = a.bool('rm');
    const tty = a.bool('tty');
    const command = ctx.commandName;
    let detachKeys: number[] | undefined;
    const dk = a.string('detach-keys');
    if (dk !== undefined) {
      try {
        detachKeys = parseDetachKeys(dk);
      } catch (err) {
        throw new CliError(`wharf: ${(err as Error).message}\n\nRun 'wharf ${command} --help' for more information`, 125);
      }
    }
    const req = await buildCreateRequest(a, { detach, autoRemove, consoleSize: consoleSize(ctx, tty) });
    if (req.attach.stdin && tty && !ctx.stdin.isTTY) throw new CliError('the input device is not a TTY', 1);
    const client = await ctx.client();
    const id = await createContainer(ctx, client, req, a, command);
    const path = `/containers/${id}`;

    if (detach) {
      await client.call('POST', `${path}/start`).catch((err: unknown) => {
        if (err instanceof ApiError) throw new CliError(`wharf: ${err.display}\n\nRun 'wharf ${command} --help' for more information`, startErrorStatus(err.message));
        throw err;
      });
      ctx.stdout.write(`${id}\n`);
      return 0;
    }

    const { stdin, stdout, stderr } = req.attach;
    // attach and wait go out together (each on its own connection); both are in place
    // before start, so no output and no exit is missed.
    const attaching =
      stdin || stdout || stderr
        ? client.hijack(`${path}/attach`, { query: { stream: true, stdin, stdout, stderr, detachKeys: dk } })
        : undefined;
    attaching?.catch(() => undefined); // observed just below
    const waitRes = client.send('POST', `${path}/wait`, { query: { condition: autoRemove ? 'removed' : 'next-exit' } });
    const status = exitStatus(waitRes);
    status.catch(() => undefined); // observed below; avoid an unhandled rejection meanwhile
    const hijacked = attaching ? await attaching.catch((e: unknown) => daemonError(e, command)) : undefined;
    // Pump at once: a container that exits before start returns may close the stream early.
    const pumping = hijacked
      ? pumpHijacked(hijacked, { tty, stdin: stdin ? ctx.stdin : undefined, stdout: ctx.stdout, stderr: ctx.stderr, detachKeys })
      : Promise.resolve({ detached: false });
    // The wait must be registered before start, or a fast container's exit is missed.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([waitRes.catch(() => undefined), new Promise((r) => (timer = setTimeout(r, 2000)))]);
    clearTimeout(timer);

    // Signals are forwarded from before start (as docker does), so none is lost to a fast container.
    const starting = client.call('POST', `${path}/start`).then((r) => r.resume());
    const stopSignals = !tty && a.bool('sig-proxy', true) ? proxySignals((sig) => client.call('POST', `${path}/kill`, { query: { signal: sig } }).then((r) => r.resume()), starting) : undefined;
    try {
      await starting;
    } catch (err) {
      stopSignals?.();
      hijacked?.socket.destroy();
      await pumping;
      if (err instanceof ApiError) {
        ctx.stderr.write(`wharf: ${err.display}\n\nRun 'wharf ${command} --help' for more information\n`);
        return startErrorStatus(err.message);
      }
      throw err;
    }

    const stopResize = tty ? followTerminalSize(ctx.stdout, (h, w) => client.call('POST', `${path}/resize`, { query: { h, w } }).then((r) => r.resume())) : undefined;
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

/**
 * Reads the wait response: {"StatusCode":N,"Error":{"Message":...}}. The body is read as
 * soon as the headers arrive, so a daemon that answers early and closes loses nothing.
 */
export function exitStatus(waitRes: Promise<import('node:http').IncomingMessage>): Promise<number> {
  return waitRes.then(async (res) => {
    const text = (await readAll(res)).toString('utf8');
    if ((res.statusCode ?? 500) >= 400) {
      let message = text.trim();
      try {
        message = (JSON.parse(text) as { message: string }).message;
      } catch {
        // plain text
      }
      throw new CliError(`Error response from daemon: ${message}`, 125);
    }
    let body: { StatusCode: number; Error?: { Message?: string } | null };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new CliError(`wharf: the daemon's wait answer was cut short: ${JSON.stringify(text)}`, 125);
    }
    if (body.Error?.Message) throw new CliError(`wharf: Error response from daemon: ${body.Error.Message}`, 125);
    return body.StatusCode;
  });
}
