/** What every command receives: its streams and a lazily connected API client. */
import type { ApiClient } from './api/client.js';
import type { CommandSpec, ParsedArgs } from './args.js';

export interface CliContext {
  /** Connects (once) and negotiates the API version with the daemon. */
  client(): Promise<ApiClient>;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  /** The command path as the user typed it ("run", "container ls"), for messages. */
  commandName: string;
  env: NodeJS.ProcessEnv;
}

export interface Command {
  spec: CommandSpec;
  /** Returns the exit status (0 when undefined). */
  run(ctx: CliContext, args: ParsedArgs): Promise<number | void>;
}

export function out(ctx: CliContext, text: string): void {
  ctx.stdout.write(text);
}
