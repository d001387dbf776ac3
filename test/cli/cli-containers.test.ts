/**
 * End to end: the wharf CLI driving a real daemon (WHARF_TEST_DAEMON: docker's dockerd by
 * default, or Wharf's), compared with the real docker CLI where output shapes matter.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { daemonWithBusybox, docker, uniqueName, wharf, type TestDaemon } from './test-daemon.js';

describe('wharf CLI: containers', () => {
  let d: TestDaemon;
  const image = `${uniqueName('wh-cli-bb')}:1`;
  const names: string[] = [];
  const nameFor = (p: string) => {
    const n = uniqueName(p);
    names.push(n);
    return n;
  };

  daemonWithBusybox(image, names, (x) => (d = x));

  test('run --rm IMG echo hi prints hi, exits 0 and leaves no container', async () => {
    const name = nameFor('hi');
    const r = await wharf(d, ['run', '--rm', '--network', 'none', '--name', name, image, 'echo', 'hi']);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, 'hi\n');
    assert.equal(r.code, 0);
    const ps = await wharf(d, ['ps', '-a', '-q', '--filter', `name=${name}`]);
    assert.equal(ps.stdout, '');
  });

  test("run IMG sh -c 'exit 3' exits 3 with stdout and stderr kept apart; logs replays both", async () => {
    const name = nameFor('three');
    const r = await wharf(d, ['run', '--network', 'none', '--name', name, image, 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
    const logs = await wharf(d, ['logs', name]);
    assert.equal(logs.stdout, 'out\n');
    assert.equal(logs.stderr, 'err\n');
    const tail = await wharf(d, ['logs', '-t', '--tail', '1', name]);
    assert.match(tail.stdout + tail.stderr, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z (out|err)\n$/);
    const f = await wharf(d, ['inspect', '-f', '{{.State.ExitCode}} {{.Config.Cmd}} {{json .Config.Cmd}}', name]);
    assert.equal(f.stdout, '3 [sh -c echo out; echo err >&2; exit 3] ["sh","-c","echo out; echo err >&2; exit 3"]\n');
  });

  test('ps and inspect print what the docker CLI prints against the same daemon', async () => {
    const name = nameFor('cmp');
    assert.equal((await wharf(d, ['create', '--network', 'none', '--name', name, '-l', 'k=v', image, 'sh', '-c', 'echo a long command line here'])).code, 0);
    const fmt = '{{.ID}}|{{.Image}}|{{.Command}}|{{.Names}}|{{.State}}|{{.Labels}}|{{.Label "k"}}|{{.Networks}}';
    const args = ['ps', '-a', '--filter', `name=${name}`];
    const [w, k] = [await wharf(d, [...args, '--format', fmt]), await docker(d, [...args, '--format', fmt])];
    assert.equal(w.stdout, k.stdout);
    assert.match(w.stdout, /\|"sh -c 'echo a long …"\|/);
    const [wt, kt] = [await wharf(d, args), await docker(d, args)];
    // Column widths follow the rows ("Less than a second ago" then "2 seconds ago"): compare the names.
    const columns = (out: string) => out.split('\n')[0].split(/ {2,}/);
    assert.deepEqual(columns(wt.stdout), columns(kt.stdout));
    assert.match(wt.stdout.split('\n')[0], /^CONTAINER ID {3}IMAGE {3,}COMMAND {3,}CREATED {3,}STATUS {3,}PORTS {5}NAMES$/);
    const [wq, kq] = [await wharf(d, [...args, '-q', '--no-trunc']), await docker(d, [...args, '-q', '--no-trunc'])];
    assert.equal(wq.stdout, kq.stdout);
    const [wj, kj] = [await wharf(d, [...args, '--format', '{{json .Names}}']), await docker(d, [...args, '--format', '{{json .Names}}'])];
    assert.equal(wj.stdout, kj.stdout);
    const [wi, ki] = [await wharf(d, ['inspect', name]), await docker(d, ['inspect', name])];
    assert.equal(wi.code, 0);
    assert.equal(wi.stdout, ki.stdout);
    const [wf, kf] = [await wharf(d, ['inspect', '-f', '{{.Name}} {{.Config.Labels}} {{range .Config.Cmd}}<{{.}}>{{end}}', name]), await docker(d, ['inspect', '-f', '{{.Name}} {{.Config.Labels}} {{range .Config.Cmd}}<{{.}}>{{end}}', name])];
    assert.equal(wf.stdout, kf.stdout);
    const ci = await wharf(d, ['container', 'inspect', '--format', '{{.State.Status}}', name]);
    assert.equal(ci.stdout, 'created\n');
  });

  test('exec: exit code, env, workdir, user and stdin', async () => {
    const name = nameFor('exec');
    const r = await wharf(d, ['run', '-d', '--network', 'none', '--name', name, image, 'sleep', '300']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^[0-9a-f]{64}\n$/);
    const e = await wharf(d, ['exec', '-e', 'X=y', '-w', '/tmp', '-u', '1000', name, 'sh', '-c', 'echo $X $(pwd) $(id -u); exit 4']);
    assert.equal(e.stdout, 'y /tmp 1000\n');
    assert.equal(e.code, 4);
    const i = await wharf(d, ['exec', '-i', name, 'cat'], { input: 'from stdin' });
    assert.equal(i.stdout, 'from stdin');
    assert.equal(i.code, 0);
    const top = await wharf(d, ['top', name]);
    assert.match(top.stdout, /^UID\s+PID\s+PPID/);
    assert.match(top.stdout, /sleep 300/);
    const missing = await wharf(d, ['exec', name, 'nosuchcmd']);
    assert.notEqual(missing.code, 0);
  });

  test('run -i forwards stdin and half-closes it', async () => {
    const r = await wharf(d, ['run', '--rm', '-i', '--network', 'none', image, 'sh', '-c', 'cat; echo done'], { input: 'piped\n' });
    assert.equal(r.stdout, 'piped\ndone\n');
    assert.equal(r.code, 0);
  });

  test('cp both ways, with - for tar streams; diff sees the change', async () => {
    const name = nameFor('cp');
    assert.equal((await wharf(d, ['run', '-d', '--network', 'none', '--name', name, image, 'sleep', '300'])).code, 0);
    const local = join(d.dir, 'cp-src');
    mkdirSync(join(local, 'sub'), { recursive: true });
    writeFileSync(join(local, 'f.txt'), 'hello\n');
    writeFileSync(join(local, 'sub', 'g.txt'), 'deep\n');
    assert.equal((await wharf(d, ['cp', join(local, 'f.txt'), `${name}:/tmp/`])).code, 0);
    assert.equal((await wharf(d, ['cp', local, `${name}:/tmp/tree`])).code, 0);
    assert.equal((await wharf(d, ['cp', join(local, 'f.txt'), `${name}:/tmp/renamed.txt`])).code, 0);
    const cat = await wharf(d, ['exec', name, 'cat', '/tmp/f.txt', '/tmp/tree/sub/g.txt', '/tmp/renamed.txt']);
    assert.equal(cat.stdout, 'hello\ndeep\nhello\n');
    const out = join(d.dir, 'cp-out');
    mkdirSync(out);
    assert.equal((await wharf(d, ['cp', `${name}:/tmp/tree`, out])).code, 0);
    assert.equal(readFileSync(join(out, 'tree', 'sub', 'g.txt'), 'utf8'), 'deep\n');
    assert.equal((await wharf(d, ['cp', `${name}:/etc/passwd`, join(out, 'pw')])).code, 0);
    assert.match(readFileSync(join(out, 'pw'), 'utf8'), /^root:x:0:0/);
    const tar = await wharf(d, ['cp', `${name}:/tmp/f.txt`, '-']);
    assert.equal(tar.code, 0);
    assert.equal(tar.stdout.slice(0, 5), 'f.txt');
    assert.ok(tar.stdout.includes('hello\n'));
    const diff = await wharf(d, ['diff', name]);
    assert.match(diff.stdout, /^A \/tmp\/f\.txt$/m);
    assert.match(diff.stdout, /^C \/tmp$/m);
    const bad = await wharf(d, ['cp', `${name}:/nonexistent`, out]);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, `Error response from daemon: Could not find the file /nonexistent in container ${name}\n`);
    const noLocal = await wharf(d, ['cp', join(d.dir, 'no-such-local'), `${name}:/tmp`]);
    assert.equal(noLocal.code, 1);
    assert.equal(noLocal.stderr, `lstat ${join(d.dir, 'no-such-local')}: no such file or directory\n`);
  });

  test('lifecycle: stop, start, restart, pause, unpause, kill, wait, rename, rm -f', async () => {
    const name = nameFor('life');
    const renamed = nameFor('life2');
    assert.equal((await wharf(d, ['run', '-d', '--network', 'none', '--name', name, image, 'sleep', '300'])).code, 0);
    assert.equal((await wharf(d, ['pause', name])).stdout, `${name}\n`);
    assert.match((await wharf(d, ['ps', '--filter', `name=${name}`, '--format', '{{.Status}}'])).stdout, /^Up .* \(Paused\)\n$/);
    assert.equal((await wharf(d, ['unpause', name])).stdout, `${name}\n`);
    assert.equal((await wharf(d, ['stop', '-t', '1', name])).stdout, `${name}\n`);
    assert.equal((await wharf(d, ['inspect', '-f', '{{.State.Running}}', name])).stdout, 'false\n');
    assert.equal((await wharf(d, ['start', name])).stdout, `${name}\n`);
    assert.equal((await wharf(d, ['restart', '-t', '1', name])).stdout, `${name}\n`);
    assert.equal((await wharf(d, ['rename', name, renamed])).code, 0);
    const waiter = wharf(d, ['wait', renamed]);
    assert.equal((await wharf(d, ['kill', '-s', 'KILL', renamed])).stdout, `${renamed}\n`);
    assert.equal((await waiter).stdout, '137\n');
    assert.match((await wharf(d, ['ps', '-a', '--filter', `name=${renamed}`, '--format', '{{.Status}}'])).stdout, /^Exited \(137\) /);
    assert.equal((await wharf(d, ['run', '-d', '--network', 'none', '--name', name, image, 'sleep', '300'])).code, 0);
    const rm = await wharf(d, ['rm', '-f', name, renamed]);
    assert.equal(rm.stdout, `${name}\n${renamed}\n`);
    assert.equal((await wharf(d, ['ps', '-a', '-q', '--filter', `name=${name}`])).stdout, '');
  });

  test('create then start -a streams output and returns the exit code', async () => {
    const name = nameFor('starta');
    assert.equal((await wharf(d, ['create', '--network', 'none', '--name', name, image, 'sh', '-c', 'echo started; exit 7'])).code, 0);
    const r = await wharf(d, ['start', '-a', name]);
    assert.equal(r.stdout, 'started\n');
    assert.equal(r.code, 7);
  });

  test('errors: docker messages and exit codes', async () => {
    const rm = await wharf(d, ['rm', 'wh-cli-no-such-container']);
    assert.equal(rm.code, 1);
    assert.equal(rm.stderr, 'Error response from daemon: No such container: wh-cli-no-such-container\n');
    const never = await wharf(d, ['run', '--rm', '--pull', 'never', '--network', 'none', 'wh-cli-no-such-image:1', 'true']);
    assert.equal(never.code, 125);
    assert.equal(never.stderr, "wharf: Error response from daemon: No such image: wh-cli-no-such-image:1\n\nRun 'wharf run --help' for more information\n");
    const pull = await wharf(d, ['run', '--rm', '--network', 'none', 'localhost:1/wh-cli-missing', 'true']);
    assert.equal(pull.code, 125);
    assert.match(pull.stderr, /^Unable to find image 'localhost:1\/wh-cli-missing:latest' locally\n/);
    const notFound = await wharf(d, ['run', '--rm', '--network', 'none', image, 'wh-no-such-cmd']);
    assert.equal(notFound.code, 127);
    assert.match(notFound.stderr, /^wharf: Error response from daemon: .*executable file not found/);
    const cannot = await wharf(d, ['run', '--rm', '--network', 'none', image, '/etc/passwd']);
    assert.equal(cannot.code, 126);
    const flag = await wharf(d, ['run', '--bogus', image]);
    assert.equal(flag.code, 125);
    assert.equal(flag.stderr, "unknown flag: --bogus\n\nUsage:  wharf run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun 'wharf run --help' for more information\n");
    const args = await wharf(d, ['rm']);
    assert.equal(args.code, 1);
    assert.match(args.stderr, /^wharf: 'wharf rm' requires at least 1 argument\n/);
    const obj = await wharf(d, ['inspect', 'wh-cli-nothing']);
    assert.equal(obj.code, 1);
    assert.equal(obj.stdout, '[]\n');
    assert.equal(obj.stderr, 'Error: No such object: wh-cli-nothing\n');
    const tmpl = await wharf(d, ['inspect', '-f', '{{.Nope}}', image]);
    assert.equal(tmpl.code, 1);
    assert.match(tmpl.stderr, /map has no entry for key "Nope"/);
    const cmd = await wharf(d, ['frobnicate']);
    assert.equal(cmd.code, 1);
    assert.match(cmd.stderr, /unknown command: wharf frobnicate/);
  });

  test('no daemon listening: a plain message with how to start one, exit 1', async () => {
    const sock = join(d.dir, 'nothing-here.sock');
    const r = await wharf(`unix://${sock}`, ['ps']);
    assert.equal(r.code, 1);
    assert.equal(existsSync(sock), false);
    assert.match(r.stderr, new RegExp(`^Cannot connect to the Wharf daemon at unix://${sock.replace(/[.]/g, '\\.')}\\. Is the wharf daemon running\\?\\n`));
    assert.match(r.stderr, /wharf daemon/);
    const viaFlag = await wharf(d, ['-H', `unix://${sock}`, 'images']);
    assert.equal(viaFlag.code, 1);
    assert.match(viaFlag.stderr, /Cannot connect to the Wharf daemon/);
  });

  test('events show what happened, with --filter, --since and --until', async () => {
    const name = nameFor('ev');
    const since = String(Math.floor(Date.now() / 1000) - 1);
    assert.equal((await wharf(d, ['run', '--network', 'none', '--name', name, image, 'true'])).code, 0);
    const until = String(Math.floor(Date.now() / 1000) + 1);
    const r = await wharf(d, ['events', '--since', since, '--until', until, '--filter', `container=${name}`]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z container create [0-9a-f]{64} \\(.*name=${name}.*\\)$`, 'm'));
    assert.match(r.stdout, / container die [0-9a-f]{64} \(.*exitCode=0/);
    const k = await docker(d, ['events', '--since', since, '--until', until, '--filter', `container=${name}`]);
    assert.equal(r.stdout, k.stdout);
    const j = await wharf(d, ['events', '--since', since, '--until', until, '--filter', `container=${name}`, '--format', '{{.Action}}']);
    assert.match(j.stdout, /^create\n/);
  });

  test('export and commit a container', async () => {
    const name = nameFor('exp');
    assert.equal((await wharf(d, ['run', '--network', 'none', '--name', name, image, 'sh', '-c', 'echo x > /marker'])).code, 0);
    const tarPath = join(d.dir, 'export.tar');
    assert.equal((await wharf(d, ['export', '-o', tarPath, name])).code, 0);
    const tar = readFileSync(tarPath);
    assert.ok(tar.includes(Buffer.from('bin/busybox')));
    assert.ok(tar.includes(Buffer.from('marker')));
    const ref = `${uniqueName('wh-cli-commit')}:c`;
    const c = await wharf(d, ['commit', '-a', 'me', '-m', 'note', '-c', 'ENV A=b', name, ref]);
    assert.equal(c.code, 0);
    assert.match(c.stdout, /^sha256:[0-9a-f]{64}\n$/);
    try {
      const r = await wharf(d, ['run', '--rm', '--network', 'none', ref, 'sh', '-c', 'cat /marker; echo $A']);
      assert.equal(r.stdout, 'x\nb\n');
      const h = await wharf(d, ['history', '--format', '{{.Comment}}', ref]);
      assert.match(h.stdout, /^note\n/);
    } finally {
      await wharf(d, ['rmi', ref]);
    }
  });
});

describe('wharf CLI: run/create flags build the same container as the docker CLI', () => {
  let d: TestDaemon;
  const image = `${uniqueName('wh-cli-flags')}:1`;
  const names: string[] = [];

  daemonWithBusybox(image, names, (x) => (d = x));

  test('Config and HostConfig from ~50 flags match docker create against the same daemon', async () => {
    const envFile = join(d.dir, 'env');
    const labelFile = join(d.dir, 'labels');
    writeFileSync(envFile, '# comment\nA=1\n\nB=two words\n');
    writeFileSync(labelFile, 'lab=x\n');
    const flags = [
      '--network', 'none', '-e', 'X=1', '--env', 'Y=', '--env-file', envFile, '-l', 'a=b', '--label-file', labelFile,
      '-w', '/tmp', '-u', '1000:1000', '--entrypoint', '/bin/sh', '--restart', 'on-failure:3', '--stop-signal', 'SIGINT',
      '--stop-timeout', '7', '--health-cmd', 'true', '--health-interval', '5s', '--health-retries', '2', '--health-timeout', '3s',
      '--health-start-period', '1s', '--init', '-m', '64m', '--cpus', '0.5', '--pids-limit', '50', '--read-only',
      '--cap-add', 'net_admin', '--cap-drop', 'MKNOD', '--security-opt', 'no-new-privileges', '-h', 'myhost', '--domainname', 'example.test',
      '--ulimit', 'nofile=100:200', '--shm-size', '32m', '--tmpfs', '/run:size=1m', '--add-host', 'foo:1.2.3.4',
      '--dns', '9.9.9.9', '--dns-search', 'example.test', '--dns-option', 'ndots:2', '--sysctl', 'net.ipv4.ip_forward=1',
      '-p', '127.0.0.1:8080:80', '-p', '53/udp', '--expose', '9000', '-v', `${d.dir}:/hosttmp:ro`, '-v', '/anon',
      '--mount', 'type=tmpfs,target=/mnt', '-it', '--privileged', '--oom-kill-disable', '--group-add', '10',
    ];
    const cmd = [image, '-c', 'echo hi'];
    const w = uniqueName('wh-cli-fw');
    const k = uniqueName('wh-cli-fk');
    names.push(w, k);
    const cw = await wharf(d, ['create', '--name', w, ...flags, ...cmd]);
    assert.equal(cw.code, 0, cw.stderr);
    assert.equal((await docker(d, ['create', '--name', k, ...flags, ...cmd])).code, 0);
    for (const section of ['Config', 'HostConfig']) {
      const [a, b] = await Promise.all([w, k].map(async (n) => JSON.parse((await wharf(d, ['inspect', '-f', `{{json .${section}}}`, n])).stdout) as Record<string, unknown>));
      // Kernel-memory fields are left out by newer clients; env order is the daemon's business.
      for (const x of [a, b]) {
        delete x.KernelMemory;
        delete x.KernelMemoryTCP;
        if (Array.isArray(x.Env)) x.Env = [...(x.Env as string[])].sort();
      }
      assert.deepEqual(a, b, section);
    }
  });

  test('bad flag values: docker usage errors with exit 125', async () => {
    const cases: [string[], RegExp][] = [
      [['--cpus', 'lots'], /invalid argument "lots" for "--cpus" flag/],
      [['-m', 'big'], /invalid argument "big" for "--memory" flag/],
      [['--health-interval', '5'], /invalid argument "5" for "--health-interval" flag/],
      [['--rm', '--restart', 'always'], /Conflicting options: cannot specify both --restart and --rm/],
      [['--pull', 'sometimes'], /invalid pull option: 'sometimes'/],
      // (a missing --env-file is caught by node 20 itself, which scans argv for its own --env-file)
      [['--label-file', join(d.dir, 'missing-labels')], /no such file or directory/],
    ];
    for (const [flags, re] of cases) {
      const r = await wharf(d, ['run', '--network', 'none', ...flags, image, 'true']);
      assert.equal(r.code, 125, `${flags.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
    }
    const dup = uniqueName('wh-cli-dup');
    names.push(dup);
    assert.equal((await wharf(d, ['create', '--network', 'none', '--name', dup, image, 'true'])).code, 0);
    const again = await wharf(d, ['run', '--network', 'none', '--name', dup, image, 'true']);
    assert.equal(again.code, 125);
    assert.match(again.stderr, /^wharf: Error response from daemon: Conflict\. The container name "\/[^"]+" is already in use/);
    assert.match(again.stderr, /\n\nRun 'wharf run --help' for more information\n$/);
    const created = await wharf(d, ['create', '--network', 'none', '--name', dup, image, 'true']);
    assert.equal(created.code, 1);
    assert.match(created.stderr, /^Error response from daemon: Conflict\. The container name "\/[^"]+" is already in use/);
    const start = await wharf(d, ['start', 'wh-cli-none-such']);
    assert.equal(start.code, 1);
    assert.equal(start.stderr, 'Error response from daemon: No such container: wh-cli-none-such\nError: failed to start containers: wh-cli-none-such\n');
  });
});
