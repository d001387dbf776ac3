/** An error the CLI reports and exits with; `message` empty means "exit quietly". */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** An error answer from the daemon: printed as "Error response from daemon: <message>". */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
  get display(): string {
    return `Error response from daemon: ${this.message}`;
  }
}

/** The daemon could not be reached at all. */
export class ConnectError extends CliError {}
