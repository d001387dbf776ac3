/**
 * kill -9 of the daemon at a random moment of busy, mixed work (runs, removals, commits, tags,
 * volumes, networks), several times over one data root. After each restart the state must be
 * whole: every container in its true state and removable, every image, volume and network
 * readable, and once all is removed, no mount, monitor or half-written file left behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxRootfsTar } from '../support/busybox-rootfs.js';
import { startWharfDaemon, type RunningDaemon } from '../support/daemons.js';
import { startTestRegistry } from '../registry/helpers.js';
import { runCli } from '../support/run-cli.js';

const TAG = randomBytes(3).toString('hex');
const IMG = `anytime-${TAG}:1`;
const ROUNDS = 5;

test('kill -9 at random moments of mixed work: after each restart the state is whole', async () => {
  let d: RunningDaemon = await startWharfDaemon();
  const base = d.dataRoot.replace(/\/data$/, '');
  // The legacy builder, as the build tests use it.
  const env = { ...process.env, DOCKER_BUILDKIT: '0', DOCKER_CONFIG: join(tmpdir(), 'wharf-build-docker-config') };
  const dk = (args: string[], input?: Buffer) => runCli('docker', ['-H', d.host, ...args], { input, env, timeoutMs: 60000 });
  const context = await mkdtemp(join(tmpdir(), 'wharf-anytime-ctx-'));
  // Pushes and pulls go to Wharf's own registry on loopback.
  const registry = await startTestRegistry();
  await writeFile(join(context, 'Dockerfile'), `FROM ${IMG}\nRUN echo built > /built\nCOPY f /f\n`);
  await writeFile(join(context, 'f'), 'f\n');
  try {
    assert.equal((await dk(['import', '-', IMG], await busyboxRootfsTar())).code, 0);
    for (let round = 0; round < ROUNDS; round++) {
      let stop = false;
      const n = (w: string, i: number) => `${w}-${TAG}-${round}-${i}`;
      // Failures are expected: the daemon dies under these clients.
      const worker = async (steps: (i: number) => string[][]) => {
        for (let i = 0; !stop; i++) for (const args of steps(i)) if (!stop) await dk(args).catch(() => undefined);
      };
      const work = Promise.all([
        worker((i) => [['run', '-d', '--name', n('c', i), IMG, 'sh', '-c', 'echo hi; sleep 30'], ['rm', '-f', n('c', i - 1)]]),
        worker(() => [['run', '--rm', IMG, 'true']]),
        worker((i) => [['create', '--name', n('x', i), '-v', `${n('v', i)}:/data`, IMG, 'sh', '-c', 'echo x > /data/f; echo y > /y'], ['start', '-a', n('x', i)], ['commit', n('x', i), n('img', i)], ['tag', n('img', i), `${n('img', i)}:t`], ['rmi', `${n('img', i)}:t`]]),
        worker((i) => [['network', 'create', n('net', i)], ['network', 'rm', n('net', i)], ['volume', 'create', n('vol', i)], ['volume', 'rm', n('vol', i)]]),
        worker((i) => [['run', '-d', '--name', n('p', i), IMG, 'sleep', '30'], ['exec', n('p', i), 'true'], ['pause', n('p', i)], ['unpause', n('p', i)], ['restart', '-t', '0', n('p', i)], ['rm', '-f', n('p', i)]]),
        worker((i) => [['build', '-q', '-t', n('b', i), context], ['rmi', n('b', i)]]),
        // A layer of its own each time, so the pull back downloads and unpacks it.
        worker((i) => {
          const remote = `${registry.host}/anytime/${n('img', i)}:1`;
          return [['run', '--name', n('pu', i), IMG, 'sh', '-c', `echo ${i} > /mine`], ['commit', n('pu', i), remote], ['rm', n('pu', i)], ['push', remote], ['rmi', remote], ['pull', remote], ['rmi', remote]];
        }),
        dk(['run', '-d', '--restart', 'always', '--name', n('r', 0), IMG, 'sh', '-c', 'sleep 0.3; exit 3']).catch(() => undefined),
      ]);
      await new Promise((r) => setTimeout(r, 300 + Math.floor(Math.random() * 1500)));
      await d.crash();
      stop = true;
      await work;
      d = await startWharfDaemon({ base });
      await assertWhole(dk, `round ${round}`);
      const ok = await dk(['run', '--rm', IMG, 'echo', 'ok']);
      assert.equal(ok.stdout, 'ok\n', `round ${round}: a run after the restart: ${ok.stderr}`);
      await removeEverything(dk);
      await assertNothingLeft(d, base, `round ${round}`);
    }
    // Layers and blobs that crashed commits and builds left go with the last image.
    const images = (await dk(['images', '-aq'])).stdout.split('\n').filter(Boolean);
    assert.equal((await dk(['rmi', '-f', ...new Set(images)])).code, 0);
    const layersLeft = async () => (await readdir(join(d.dataRoot, 'overlay', 'layers')).catch(() => [])).filter((f) => /^[0-9a-f]{64}$/.test(f));
    // Layers are collected in the background after an image delete.
    for (let i = 0; i < 50 && (await layersLeft()).length; i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(await layersLeft(), [], 'layers left after every image is gone');
    assert.deepEqual(await readdir(join(d.dataRoot, 'content', 'blobs', 'sha256')).catch(() => []), [], 'blobs left after every image is gone');
  } finally {
    await rm(context, { recursive: true, force: true });
    await d.stop();
    await registry.dispose();
  }
});

type Docker = (args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>;

async function assertWhole(dk: Docker, when: string): Promise<void> {
  const ids = (await dk(['ps', '-aq', '--no-trunc'])).stdout.split('\n').filter(Boolean);
  for (const id of ids) {
    const r = await dk(['inspect', '-f', '{{.State.Status}} {{.State.Running}} {{.State.Pid}}', id]);
    assert.equal(r.code, 0, `${when}: inspect ${id}: ${r.stderr}`);
    const [status, running, pid] = r.stdout.trim().split(' ');
    if (running === 'true') {
      assert.ok(status === 'running' || status === 'paused', `${when}: ${id} running but ${status}`);
      // A short-lived one may end between the inspect and the look: its exit must then be seen soon.
      let stale = Number(pid) > 0 && !existsSync(`/proc/${pid}`);
      for (let i = 0; stale && i < 40; i++) {
        await new Promise((r) => setTimeout(r, 50));
        stale = (await dk(['inspect', '-f', '{{.State.Pid}}', id])).stdout.trim() === pid;
      }
      assert.ok(Number(pid) > 0 && !stale, `${when}: ${id} said running with pid ${pid}, which is gone`);
    } else {
      assert.equal(pid, '0', `${when}: ${id} ${status} with a pid`);
    }
  }
  for (const what of [['images', '-aq'], ['volume', 'ls', '-q'], ['network', 'ls', '-q']]) {
    const list = await dk(what);
    assert.equal(list.code, 0, `${when}: ${what.join(' ')}: ${list.stderr}`);
    const kind = what[0] === 'images' ? 'image' : what[0]!;
    for (const item of new Set(list.stdout.split('\n').filter(Boolean))) {
      const r = await dk([kind, 'inspect', item]);
      assert.equal(r.code, 0, `${when}: ${kind} inspect ${item}: ${r.stderr}`);
    }
  }
}

async function removeEverything(dk: Docker): Promise<void> {
  const ids = (await dk(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
  if (ids.length) {
    const rm = await dk(['rm', '-f', '-v', ...ids]);
    assert.equal(rm.code, 0, rm.stderr);
  }
  for (const [ls, rm] of [[['volume', 'ls', '-q'], ['volume', 'rm']], [['network', 'ls', '-q', '--filter', 'type=custom'], ['network', 'rm']]]) {
    const names = (await dk(ls!)).stdout.split('\n').filter(Boolean);
    if (names.length) {
      const r = await dk([...rm!, ...names]);
      assert.equal(r.code, 0, r.stderr);
    }
  }
}

async function assertNothingLeft(d: RunningDaemon, base: string, when: string): Promise<void> {
  const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(base + '/'));
  assert.deepEqual(mounts, [], `${when}: mounts left`);
  const monitors = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      return cmd.startsWith('/usr/bin/conmon') || cmd.startsWith('conmon') ? cmd.includes(base) : false;
    } catch {
      return false;
    }
  });
  assert.deepEqual(monitors, [], `${when}: monitors left`);
  const half = (await walk(d.dataRoot)).filter((f) => /\.tmp$|\.tmp[-.]|\.partial$|\/\.tmp\/|\/build-tmp\//.test(f));
  assert.deepEqual(half, [], `${when}: half-written files left`);
  for (const left of [join(d.dataRoot, 'containers'), join(d.dataRoot, 'overlay', 'containers')]) {
    if (existsSync(left)) assert.deepEqual(await readdir(left), [], `${when}: ${left} not empty`);
  }
  const exec = (await walk(d.execRoot)).filter((f) => /\/[0-9a-f]{64}(\/|$)/.test(f) || /\.tmp$/.test(f));
  assert.deepEqual(exec, [], `${when}: per-container runtime state left`);
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out;
}
