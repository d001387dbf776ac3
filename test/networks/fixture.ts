import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomInt } from 'node:crypto';
import { NetworkService } from '../../src/networks/index.js';
import type { NetworkServiceOptions } from '../../src/networks/index.js';

const LOCK_DIR = join(tmpdir(), 'wharf-net-test-blocks');

/**
 * A private networking world per test file: its own data and exec roots, a default bridge
 * and subnets chosen at random from 10.230.0.0/15 ranges (never Docker's 172.17/16), and a
 * cleanup that removes everything and then checks the kernel holds nothing of this
 * instance: no link alias, no iptables rule, no namespace file.
 */
export class NetFixture {
  readonly root = mkdtempSync(join(tmpdir(), 'wharf-net-'));
  readonly tag = randomBytes(3).toString('hex');
  readonly procs: ChildProcess[] = [];
  readonly extraLinks: string[] = [];
  readonly extraNetns: string[] = [];
  private readonly second: number;
  private readonly third: number;
  private readonly blockLock: string;
  private nextSubnet = 1;
  svc!: NetworkService;

  constructor() {
    // Test files run in parallel: each fixture claims its own /20 with an exclusive lock file
    // (stale locks of crashed runs expire) and skips blocks the host already routes.
    mkdirSync(LOCK_DIR, { recursive: true });
    const routes = execFileSync('ip', ['-4', 'route'], { encoding: 'utf8' });
    for (let attempt = 0; ; attempt++) {
      if (attempt > 500) throw new Error('no free test address block');
      const second = randomInt(230, 240);
      const third = randomInt(0, 16) * 16;
      const lock = join(LOCK_DIR, `10.${second}.${third}`);
      if (routes.includes(`10.${second}.${third}.`) || [...Array(16).keys()].some((i) => routes.includes(`10.${second}.${third + i}.0/`))) continue;
      try {
        if (Date.now() - statSync(lock).mtimeMs > 3600_000) rmSync(lock, { force: true });
      } catch {
        // no lock yet
      }
      try {
        closeSync(openSync(lock, 'wx'));
      } catch {
        continue;
      }
      [this.second, this.third, this.blockLock] = [second, third, lock];
      break;
    }
  }

  options(over: Partial<NetworkServiceOptions> = {}): NetworkServiceOptions {
    return {
      dataRoot: join(this.root, 'data'),
      execRoot: join(this.root, 'exec'),
      defaultBridge: `wt${this.tag}`,
      defaultSubnet: `10.${this.second}.${this.third}.0/24`,
      pools: [`10.${this.second}.${this.third + 8}.0/21`],
      ipMasq: false,
      resolvConfPath: join(this.root, 'resolv.conf'),
      ...over,
    };
  }

  /** A fresh /24 of this run's block for a user network. */
  subnet(): string {
    const s = `10.${this.second}.${this.third + this.nextSubnet}.0/24`;
    this.nextSubnet++;
    return s;
  }

  async open(over: Partial<NetworkServiceOptions> = {}): Promise<NetworkService> {
    this.svc = await NetworkService.open(this.options(over));
    return this.svc;
  }

  /** Runs a command inside a namespace file; returns status and output. */
  inNs(netns: string, args: string[], timeoutMs = 10_000): { status: number; out: string } {
    const r = spawnSync('nsenter', [`--net=${netns}`, ...args], { encoding: 'utf8', timeout: timeoutMs });
    return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
  }

  /** The same without blocking the event loop: needed when this process answers (the embedded DNS). */
  inNsAsync(netns: string, args: string[]): Promise<{ status: number; out: string }> {
    return new Promise((resolve) => {
      const p = spawn('nsenter', [`--net=${netns}`, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      p.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
      p.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
      p.on('close', (code) => resolve({ status: code ?? -1, out }));
    });
  }

  /** A busybox httpd serving `body` on `port` inside the namespace (killed at cleanup). */
  async httpd(netns: string, port: number, body: string): Promise<void> {
    const dir = mkdtempSync(join(this.root, 'www-'));
    execFileSync('sh', ['-c', `printf '%s' "$1" > "$2/index.html"`, 'sh', body, dir]);
    const p = spawn('nsenter', [`--net=${netns}`, 'busybox', 'httpd', '-f', '-p', String(port), '-h', dir], { stdio: 'ignore' });
    this.procs.push(p);
    for (let i = 0; i < 50; i++) {
      if (this.inNs(netns, ['timeout', '3', 'busybox', 'wget', '-q', '-O', '-', `http://127.0.0.1:${port}/`]).out === body) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('httpd did not come up');
  }

  async cleanup(): Promise<string[]> {
    for (const p of this.procs) p.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 50));
    for (const l of this.extraLinks) spawnSync('ip', ['link', 'del', l]);
    for (const n of this.extraNetns) {
      spawnSync('umount', ['-l', n]);
      rmSync(n, { force: true });
    }
    const problems: string[] = [];
    if (this.svc) {
      const instance = this.svc.instance;
      try {
        await this.svc.reconcile([]);
        for (const n of await this.svc.list({ type: ['custom'] })) await this.svc.remove(n.Id);
        await this.svc.removeAll();
      } finally {
        await this.svc.close();
      }
      const links = execFileSync('ip', ['-d', 'link', 'show'], { encoding: 'utf8' });
      if (links.includes(`wharf:${instance}`) || links.includes(`wt${this.tag}`)) problems.push(`links left: ${links}`);
      const rules = execFileSync('iptables-save', { encoding: 'utf8' });
      if (rules.includes(`wharf:${instance}`)) problems.push(`rules left: ${rules.split('\n').filter((l) => l.includes(instance)).join('\n')}`);
    }
    const mounts = execFileSync('cat', ['/proc/self/mountinfo'], { encoding: 'utf8' });
    if (mounts.includes(this.root)) problems.push('netns mounts left');
    rmSync(this.root, { recursive: true, force: true });
    rmSync(this.blockLock, { force: true });
    return problems;
  }
}
