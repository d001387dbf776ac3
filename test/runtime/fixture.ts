import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { busyboxRootfsTar } from '../support/busybox-rootfs.js';
import { createRuntime, type OciRuntime } from '../../src/runtime/index.js';
import type { SpecInput } from '../../src/runtime/runtime.js';
import { detectCgroups } from '../../src/runtime/cgroups.js';
import { readSpool } from '../../src/logging/conmon-spool-format.js';

/**
 * A private world for runtime integration tests: a temp folder holding an extracted busybox
 * rootfs, the runtime's state, bundles and logs, and a cgroup parent unique to the run.
 * `cleanup` force-deletes every container made here and checks nothing is left behind.
 */
export class RuntimeFixture {
  readonly root: string;
  readonly rootfs: string;
  readonly runtime: OciRuntime;
  readonly cgroupParent: string;
  readonly ids: string[] = [];

  private constructor() {
    this.root = mkdtempSync(join(tmpdir(), 'wharf-rt-'));
    this.rootfs = join(this.root, 'rootfs');
    this.runtime = createRuntime({ stateRoot: join(this.root, 'state') });
    this.cgroupParent = `/wharf-test-${randomBytes(4).toString('hex')}`;
  }

  static async create(): Promise<RuntimeFixture> {
    const fx = new RuntimeFixture();
    execFileSync('mkdir', ['-p', fx.rootfs]);
    const tar = await busyboxRootfsTar();
    const r = spawnSync('tar', ['-x', '-C', fx.rootfs], { input: tar });
    if (r.status !== 0) throw new Error(`tar failed: ${r.stderr}`);
    return fx;
  }

  newId(): string {
    const id = randomBytes(32).toString('hex');
    this.ids.push(id);
    return id;
  }

  bundle(id: string): string {
    return join(this.root, 'bundles', id);
  }

  logPath(id: string): string {
    return join(this.root, 'bundles', id, 'ctr.log');
  }

  input(id: string, over: Partial<SpecInput> = {}): SpecInput {
    return {
      id,
      rootfs: this.rootfs,
      args: ['true'],
      env: [],
      cwd: '/',
      user: '',
      hostname: id.slice(0, 12),
      tty: false,
      openStdin: false,
      network: { mode: 'new' },
      cgroupsPath: `${this.cgroupParent}/${id}`,
      ...over,
    };
  }

  /** Builds the spec and creates the container (not started). */
  async create(over: Partial<SpecInput> = {}, extra: { stdinOnce?: boolean } = {}): Promise<string> {
    const id = this.newId();
    const input = this.input(id, over);
    const spec = await this.runtime.buildSpec(input);
    await this.runtime.create({
      id,
      bundle: this.bundle(id),
      spec,
      logPath: this.logPath(id),
      tty: input.tty,
      openStdin: input.openStdin,
      stdinOnce: extra.stdinOnce,
    });
    return id;
  }

  /** Creates, starts, waits for the exit; returns the code and the log text. */
  async run(over: Partial<SpecInput> = {}): Promise<{ id: string; code: number; stdout: string; stderr: string }> {
    const id = await this.create(over);
    await this.runtime.start(id);
    const { code } = await this.runtime.waitExit(id);
    const { stdout, stderr } = await this.logs(id);
    return { id, code, stdout, stderr };
  }

  async logs(id: string): Promise<{ stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    for await (const e of readSpool(this.logPath(id))) {
      if (e.stream === 'stdout') stdout += e.data.toString();
      else stderr += e.data.toString();
    }
    return { stdout, stderr };
  }

  cgroupDirs(id: string): string[] {
    const layout = detectCgroups();
    const rel = `${this.cgroupParent}/${id}`.slice(1);
    if (layout.version === 2) return [join(layout.root, rel)];
    return ['memory', 'pids', 'cpu', 'cpuacct', 'devices', 'freezer', 'blkio']
      .map((c) => join(layout.root, c, rel))
      .filter((d) => existsSync(join(d, '..')));
  }

  /** Deletes every container, then removes cgroup parents and the folder; returns what leaked. */
  async cleanup(): Promise<string[]> {
    const leaks: string[] = [];
    for (const id of this.ids) {
      await this.runtime.delete(id, { force: true }).catch((e) => leaks.push(`delete ${id}: ${e.message}`));
      for (const d of this.cgroupDirs(id)) if (existsSync(d)) leaks.push(`cgroup ${d}`);
    }
    this.runtime.close();
    const conmons = conmonsUnder(this.root);
    for (const pid of conmons) {
      leaks.push(`conmon ${pid}`);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    const layout = detectCgroups();
    const parents = layout.version === 2
      ? [join(layout.root, this.cgroupParent)]
      : readdirSync(layout.root).map((c) => join(layout.root, c, this.cgroupParent));
    for (const p of parents) {
      if (existsSync(p)) spawnSync('rmdir', [p]);
    }
    rmSync(this.root, { recursive: true, force: true });
    return leaks;
  }
}

/** PIDs of conmon processes whose command line mentions `dir`. */
export function conmonsUnder(dir: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (cmd.startsWith('/usr/bin/conmon\0') && cmd.includes(dir)) out.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}
