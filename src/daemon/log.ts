import type { Logger } from '../dockerapi/context.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'fatal';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'fatal'];

let stderrGone = false;
let watchingStderr = false;

/**
 * Writes to stderr until it fails once (the terminal or the parent that read it is gone),
 * then drops lines. Without this, the EPIPE of a write is an uncaught exception, whose
 * logging writes to stderr again: the daemon would spin on its own error forever.
 */
function writeStderr(line: string): void {
  if (stderrGone) return;
  if (!watchingStderr) {
    watchingStderr = true;
    process.stderr.on('error', () => {
      stderrGone = true;
    });
  }
  process.stderr.write(line);
}

/** A stderr logger in dockerd's text shape (`time=… level=… msg=…`), quiet below `level`. */
export function createLogger(level: LogLevel, write: (line: string) => void = writeStderr): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const at = (lvl: LogLevel) => (msg: string) => {
    if (LOG_LEVELS.indexOf(lvl) < threshold) return;
    write(`time="${new Date().toISOString()}" level=${lvl} msg=${JSON.stringify(msg)}\n`);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
