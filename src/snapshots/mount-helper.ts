import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

interface Job {
  script: string;
  resolve: (r: { code: number; output: string }) => void;
}

/** Single-quotes a word for sh. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs mount/umount commands through one long-lived /bin/sh instead of spawning a process
 * from Node each time: forking the daemon's large process per mount costs far more than
 * the mount itself when fifty containers start at once. Commands run one at a time, in
 * order; if the shell dies, the next command starts a new one.
 */
class CommandShell {
  private child?: ChildProcessWithoutNullStreams;
  private readonly queue: Job[] = [];
  private current?: Job;
  private buffer = '';
  private seq = 0;
  private marker = '';

  run(script: string): Promise<{ code: number; output: string }> {
    return new Promise((resolve) => {
      this.queue.push({ script, resolve });
      this.pump();
    });
  }

  private start(): ChildProcessWithoutNullStreams {
    const child = spawn('/bin/sh', [], { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' } });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => this.onData(d));
    child.stderr.resume();
    child.stdin.on('error', () => {});
    child.on('exit', () => {
      // Orphans of the dead shell may still hold its pipes: let go of them.
      for (const st of [child.stdin, child.stdout, child.stderr]) st.destroy();
      if (this.child === child) this.child = undefined;
      const job = this.current;
      this.current = undefined;
      this.buffer = '';
      job?.resolve({ code: 255, output: 'command shell exited' });
      this.pump();
    });
    return child;
  }

  /** An idle shell must not keep the daemon (or a test) alive; a busy one must. */
  private hold(busy: boolean): void {
    const c = this.child;
    if (!c) return;
    if (busy) c.ref();
    else c.unref();
    for (const s of [c.stdin, c.stdout, c.stderr]) {
      const h = s as unknown as { ref?: () => void; unref?: () => void };
      if (busy) h.ref?.();
      else h.unref?.();
    }
  }

  private pump(): void {
    if (this.current) return;
    if (this.queue.length === 0) {
      this.hold(false);
      return;
    }
    this.child ??= this.start();
    this.hold(true);
    this.current = this.queue.shift() as Job;
    this.marker = `__wharf_done_${process.pid}_${++this.seq}__`;
    this.child.stdin.write(`( ${this.current.script} ) 2>&1 </dev/null; echo "${this.marker} $?"\n`);
  }

  private onData(d: string): void {
    this.buffer += d;
    const at = this.buffer.indexOf(this.marker);
    if (at === -1 || !this.current) return;
    const nl = this.buffer.indexOf('\n', at);
    if (nl === -1) return;
    const code = Number(this.buffer.slice(at + this.marker.length, nl).trim());
    const output = this.buffer.slice(0, at);
    this.buffer = this.buffer.slice(nl + 1);
    const job = this.current;
    this.current = undefined;
    job.resolve({ code, output });
    this.pump();
  }
}

const shell = new CommandShell();

/** Runs a command line (already quoted) in the shared shell; rejects with its output on failure. */
export async function runShell(script: string): Promise<string> {
  const { code, output } = await shell.run(script);
  if (code !== 0) throw Object.assign(new Error(output.trim() || `exit ${code}`), { stderr: output, code });
  return output;
}
