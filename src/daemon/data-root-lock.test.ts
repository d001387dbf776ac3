import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { lockDataRoot } from './data-root-lock.js';

describe('data root lock', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-lock-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is exclusive per data root (also through a symlink) and reusable after release', async () => {
    const root = join(dir, 'a');
    const lock = await lockDataRoot(root);
    symlinkSync(root, join(dir, 'link'));
    await assert.rejects(lockDataRoot(join(dir, 'link')), new RegExp(`another wharf daemon \\(pid ${process.pid}\\)`));
    const other = await lockDataRoot(join(dir, 'b'));
    await other.release();
    await lock.release();
    const again = await lockDataRoot(root);
    await again.release();
  });

  it('is freed when the holding process is killed with SIGKILL', async () => {
    const root = join(dir, 'killed');
    const mod = fileURLToPath(new URL('./data-root-lock.js', import.meta.url));
    const script = `const { lockDataRoot } = await import(${JSON.stringify(mod)}); await lockDataRoot(${JSON.stringify(root)}); process.stdout.write('locked\\n'); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout!.once('data', () => resolve());
        child.once('exit', () => reject(new Error('child exited early')));
      });
      await assert.rejects(lockDataRoot(root), new RegExp(`pid ${child.pid}`));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const lock = await lockDataRoot(root);
      await lock.release();
    } finally {
      child.kill('SIGKILL');
    }
  });
});
