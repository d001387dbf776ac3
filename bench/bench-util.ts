import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Median of a list of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Runs a command, resolving with its wall time in ms; rejects on a non-zero exit. */
export function timeCommand(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, maxBuffer: 64 * 1024 * 1024 }, (err, _out, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`));
      else resolve(Number(process.hrtime.bigint() - t0) / 1e6);
    });
  });
}

/** Resident set size of a process in bytes (from /proc). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

/** Proportional set size (shared pages split among sharers), a fairer per-process cost. */
export function pssBytes(pid: number): number {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const m = /Pss:\s+(\d+) kB/.exec(text);
    return m ? Number(m[1]) * 1024 : rssBytes(pid);
  } catch {
    return rssBytes(pid);
  }
}

export function report(title: string, rows: { name: string; wharf: number; peer: number; unit: string; target?: string }[]): void {
  console.log(`\n== ${title}`);
  for (const r of rows) {
    const ratio = r.wharf / r.peer;
    console.log(`${r.name.padEnd(48)} wharf ${r.wharf.toFixed(1).padStart(9)} ${r.unit}   peer ${r.peer.toFixed(1).padStart(9)} ${r.unit}   ratio ${ratio.toFixed(2)}${r.target ? `   (target ${r.target})` : ''}`);
  }
}
