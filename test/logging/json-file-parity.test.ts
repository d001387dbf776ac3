/**
 * Container logs against Docker's reference daemon: the same command, run on both, leaves
 * the same json-file records (times aside), rotates into the same files and reads back the
 * same through `docker logs`; bad log options get the same answers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { startDaemonPair, type DaemonPair } from '../support/daemon-pair.js';
import type { RunningDaemon } from '../support/daemons.js';
import { runCli } from '../support/run-cli.js';

const IMG = `logs-test-${randomBytes(3).toString('hex')}:1`;
const TIME = /"time":"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{0,8}[1-9])?Z)"/;

describe('json-file logs: Wharf and dockerd side by side', () => {
  let pair: DaemonPair;
  let wharf: RunningDaemon;
  let dockerd: RunningDaemon;
  const dk = (d: RunningDaemon, args: string[]) => runCli('docker', ['-H', d.host, ...args]);
  const both = async (f: (d: RunningDaemon) => Promise<unknown>) => Promise.all([f(wharf), f(dockerd)]);

  before(async () => {
    pair = await startDaemonPair(IMG);
    ({ wharf, dockerd } = pair);
  });
  after(() => pair?.stop());

  /** Runs to completion; returns the container's LogPath. */
  async function runToEnd(d: RunningDaemon, name: string, args: string[]): Promise<string> {
    const r = await dk(d, ['run', '--name', name, ...args]);
    assert.ok(r.code === 0, `${d.kind}: ${r.stderr}`);
    return (await dk(d, ['inspect', '-f', '{{.LogPath}}', name])).stdout.trim();
  }

  /** The json-file records with their times checked for Go's RFC3339Nano form and taken out. */
  async function records(path: string): Promise<string[]> {
    const lines = (await readFile(path, 'utf8')).split('\n').filter(Boolean);
    return lines.map((l) => {
      assert.match(l, TIME, l);
      return l.replace(TIME, '"time":"T"');
    });
  }

  const byStream = (recs: string[], stream: string) => recs.filter((r) => r.includes(`"stream":"${stream}"`));

  test('the records are byte for byte what dockerd writes: escaping, partial lines, streams', async () => {
    const script = [
      'printf "hi <a&b> \\303\\251\\n"',
      'printf part; sleep 0.2; printf "\\001\\377\\n"',
      // printf gets: a\bb\fc<U+2028>\033[0m\r\t"\\\n (a quote, a backslash, a newline at the end)
      'printf "a\\bb\\fc\\342\\200\\250\\033[0m\\r\\t\\"\\\\\\\\\\n"',
      'echo err >&2',
      'printf "no newline at the end"',
    ].join('; ');
    const name = `esc-${randomBytes(3).toString('hex')}`;
    const [wp, dp] = await both((d) => runToEnd(d, name, [IMG, 'sh', '-c', script]));
    assert.equal(basename(wp as string), `${basename(dirname(wp as string))}-json.log`);
    const [w, k] = await Promise.all([records(wp as string), records(dp as string)]);
    assert.deepEqual(byStream(w, 'stdout'), byStream(k, 'stdout'));
    assert.deepEqual(byStream(w, 'stderr'), byStream(k, 'stderr'));
    assert.equal(byStream(w, 'stdout').length, 4, w.join('\n'));
    const [wl, kl] = (await both((d) => dk(d, ['logs', name]))) as { stdout: string; stderr: string }[];
    assert.equal(wl!.stdout, kl!.stdout);
    assert.equal(wl!.stderr, kl!.stderr);
  });

  test('logs -f follows a running container to its end, -t and --tail as dockerd', async () => {
    const name = `follow-${randomBytes(3).toString('hex')}`;
    const script = 'for i in 1 2 3 4 5; do echo out-$i; echo err-$i >&2; sleep 0.2; done';
    await both((d) => dk(d, ['run', '-d', '--name', name, IMG, 'sh', '-c', script]));
    const [wf, df] = (await both((d) => dk(d, ['logs', '-f', name]))) as { code: number; stdout: string; stderr: string }[];
    assert.equal(wf!.code, 0);
    assert.equal(wf!.stdout, df!.stdout);
    assert.equal(wf!.stderr, df!.stderr);
    assert.equal(wf!.stdout, 'out-1\nout-2\nout-3\nout-4\nout-5\n');
    const [wt, dt] = (await both((d) => dk(d, ['logs', '-t', '--tail', '2', name]))) as { stdout: string; stderr: string }[];
    const stamp = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z /gm;
    // The last two records are out-5 and err-5; which of them came first may differ.
    const lines = (r: { stdout: string; stderr: string }) => (r.stdout + r.stderr).split('\n').filter(Boolean).map((l) => l.replace(stamp, 'T ')).sort();
    assert.deepEqual(lines(wt!), ['T err-5', 'T out-5']);
    assert.deepEqual(lines(wt!), lines(dt!));
  });

  test('labels, env and tag options add attrs; logs --details shows them', async () => {
    const name = `attrs-${randomBytes(3).toString('hex')}`;
    const args = ['-l', 'app=web', '-l', 'tier=a b&c', '-e', 'FOO=bar', '--log-opt', 'labels=app,tier,missing', '--log-opt', 'env=FOO', '--log-opt', 'tag={{.Name}}/{{.ImageName}}', IMG, 'echo', 'hi'];
    const [wp, dp] = await both((d) => runToEnd(d, name, args));
    assert.deepEqual(await records(wp as string), await records(dp as string));
    const [wl, kl] = (await both((d) => dk(d, ['logs', '--details', name]))) as { stdout: string }[];
    assert.equal(wl!.stdout, kl!.stdout);
    assert.match(wl!.stdout, /^FOO=bar,app=web,tag=attrs-\w+%2Flogs-test-\w+%3A1,tier=a\+b%26c hi\n$/);
  });

  test('max-size and max-file rotate into the same files, compressed or not', async () => {
    for (const compress of [false, true]) {
      const name = `rot-${compress}-${randomBytes(3).toString('hex')}`;
      const opts = ['--log-opt', 'max-size=200', '--log-opt', 'max-file=3', ...(compress ? ['--log-opt', 'compress=true'] : [])];
      const [wp, dp] = await both((d) => runToEnd(d, name, [...opts, IMG, 'sh', '-c', 'for i in $(seq 20); do echo line-$i; done']));
      const files = async (p: string) => (await readdir(dirname(p))).filter((f) => f.startsWith(basename(p))).map((f) => f.slice(basename(p).length)).sort();
      const [wf, df] = await Promise.all([files(wp as string), files(dp as string)]);
      assert.deepEqual(wf, df);
      assert.deepEqual(wf, compress ? ['', '.1.gz', '.2.gz'] : ['', '.1', '.2']);
      // Lines per file, oldest first: what a log shipper reading the files would see.
      const linesIn = async (p: string) => {
        const out: string[] = [];
        for (const suffix of ['.2', '.1', '']) {
          const z = compress && suffix !== '';
          const raw = await readFile(`${p}${suffix}${z ? '.gz' : ''}`);
          out.push((z ? gunzipSync(raw) : raw).toString().split('\n').filter(Boolean).map((l) => JSON.parse(l).log.trim()).join(' '));
        }
        return out;
      };
      assert.deepEqual(await linesIn(wp as string), await linesIn(dp as string));
      for (const args of [['logs', name], ['logs', '--tail', '4', name]]) {
        const [wl, kl] = (await both((d) => dk(d, args))) as { stdout: string }[];
        assert.equal(wl!.stdout, kl!.stdout, args.join(' '));
      }
    }
  });

  test('the local and none drivers: LogPath and reading as dockerd has them', async () => {
    const name = `drv-${randomBytes(3).toString('hex')}`;
    for (const driver of ['local', 'none']) {
      const n = `${name}-${driver}`;
      const [wp, dp] = await both((d) => runToEnd(d, n, ['--log-driver', driver, IMG, 'echo', 'hi']));
      assert.equal(wp, dp);
      assert.equal(wp, '');
      const [wl, kl] = (await both((d) => dk(d, ['logs', n]))) as { code: number; stdout: string; stderr: string }[];
      assert.deepEqual({ code: wl!.code, out: wl!.stdout, err: wl!.stderr }, { code: kl!.code, out: kl!.stdout, err: kl!.stderr });
    }
  });

  test('bad log options: the same error, at create or at start, as dockerd', async () => {
    const cases = [
      ['--log-driver', 'nosuch'],
      ['--log-opt', 'foo=bar'],
      ['--log-driver', 'local', '--log-opt', 'labels=x'],
      ['--log-opt', 'max-size=abc'],
      ['--log-opt', 'max-size=0'],
      ['--log-opt', 'max-file=0'],
      ['--log-opt', 'max-file=x', '--log-opt', 'max-size=1k'],
      ['--log-opt', 'compress=true'],
      ['--log-opt', 'compress=maybe'],
      ['--log-driver', 'local', '--log-opt', 'max-size=abc'],
    ];
    for (const opts of cases) {
      const name = `bad-${randomBytes(3).toString('hex')}`;
      const [w, k] = (await both((d) => dk(d, ['run', '--name', name, ...opts, IMG, 'true']))) as { code: number; stderr: string }[];
      assert.equal(w!.code, k!.code, opts.join(' '));
      assert.equal(w!.stderr.split('\n')[0], k!.stderr.split('\n')[0], opts.join(' '));
      const [ws, ks] = (await both((d) => dk(d, ['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}} {{.State.Error}}', name]))) as { stdout: string }[];
      assert.equal(ws!.stdout, ks!.stdout, opts.join(' '));
    }
  });
});
