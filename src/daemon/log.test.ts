import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { createLogger } from './log.js';

test('createLogger: dockerd line shape, quiet below its level', () => {
  const lines: string[] = [];
  const log = createLogger('warn', (l) => lines.push(l));
  log.info('hidden');
  log.warn('shown "quoted"');
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^time="\d{4}-\d\d-\d\dT[\d:.]+Z" level=warn msg="shown \\"quoted\\""\n$/);
});

test('a daemon whose stderr reader is gone keeps working instead of spinning on EPIPE', async () => {
  // The child logs uncaught exceptions the way the daemon does; its stderr pipe is closed
  // under it. It then reports how much CPU it used in the following half second.
  const script = `
    import { createLogger } from ${JSON.stringify(new URL('./log.js', import.meta.url).href)};
    const log = createLogger('info');
    process.on('uncaughtException', (err) => log.error('uncaught exception: ' + err.message));
    process.stdin.once('data', () => {
      for (let i = 0; i < 5; i++) log.info('after the reader left ' + i);
      setTimeout(() => {
        const before = process.cpuUsage();
        setTimeout(() => {
          const used = process.cpuUsage(before);
          process.stdout.write(JSON.stringify({ cpuMs: (used.user + used.system) / 1000 }));
          process.exit(0);
        }, 500);
      }, 100);
    });
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stderr.destroy();
  child.stdin.write('go\n');
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 0);
  const { cpuMs } = JSON.parse(out) as { cpuMs: number };
  assert.ok(cpuMs < 200, `the child used ${cpuMs} ms of CPU in 500 ms`);
});
