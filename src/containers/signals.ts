import { constants } from 'node:os';
import { invalidParameter } from '../common/errors.js';

/** Normalises "TERM", "SIGTERM", "sigterm", "15" to "SIGTERM"; rejects unknown ones with dockerd's message. */
export function parseSignal(sig: string | number | undefined, fallback = 'SIGTERM'): string {
  if (sig === undefined || sig === '') return fallback;
  const s = String(sig).trim();
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    const name = Object.entries(constants.signals).find(([, v]) => v === n)?.[0];
    if (!name || n === 0) throw invalidParameter(`Invalid signal: ${s}`);
    return name;
  }
  const up = s.toUpperCase();
  const name = up.startsWith('SIG') ? up : `SIG${up}`;
  if (!(name in constants.signals)) throw invalidParameter(`Invalid signal: ${s}`);
  return name;
}

export function signalNumber(name: string): number {
  return (constants.signals as Record<string, number>)[name] ?? 15;
}
