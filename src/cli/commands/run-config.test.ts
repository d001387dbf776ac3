import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from '../args.js';
import { containerFlags, runOnlyFlags } from './run-flags.js';
import { buildCreateRequest, normalizeCaps } from './run-config.js';

const spec = { name: 'run', usage: '', interspersed: false, flags: [...containerFlags, ...runOnlyFlags] };
const build = (argv: string[], detach = false, autoRemove = false) => buildCreateRequest(parseArgs(spec, argv), { detach, autoRemove });

test('attach settings follow -i, -d and -a', async () => {
  assert.deepEqual((await build(['img'])).attach, { stdin: false, stdout: true, stderr: true });
  assert.deepEqual((await build(['-i', 'img'])).attach, { stdin: true, stdout: true, stderr: true });
  assert.deepEqual((await build(['-i', 'img'], true)).attach, { stdin: false, stdout: false, stderr: false });
  assert.deepEqual((await build(['-a', 'stderr', 'img'])).attach, { stdin: false, stdout: false, stderr: true });
  const it = (await build(['-it', 'img'])).body;
  assert.equal(it.OpenStdin, true);
  assert.equal(it.StdinOnce, true);
  assert.equal(it.Tty, true);
});

test('ports, volumes, limits and health checks in the shape dockerd expects', async () => {
  const r = await build(['-p', '127.0.0.1:8080:80', '-p', '9000-9001:9000-9001/udp', '-v', '/data', '-v', '/h:/c:ro', '-m', '64m', '--cpus', '1.5', '--health-cmd', 'true', '--health-interval', '1m', 'img', 'a', 'b']);
  const hc = r.body.HostConfig as Record<string, unknown>;
  assert.deepEqual(Object.keys(r.body.ExposedPorts as object), ['80/tcp', '9000/udp', '9001/udp']);
  assert.deepEqual((hc.PortBindings as Record<string, unknown>)['80/tcp'], [{ HostIp: '127.0.0.1', HostPort: '8080' }]);
  assert.deepEqual((hc.PortBindings as Record<string, unknown>)['9001/udp'], [{ HostIp: '', HostPort: '9001' }]);
  assert.deepEqual(r.body.Volumes, { '/data': {} });
  assert.deepEqual(hc.Binds, ['/h:/c:ro']);
  assert.equal(hc.Memory, 64 * 1024 * 1024);
  assert.equal(hc.NanoCpus, 1.5e9);
  assert.deepEqual(r.body.Healthcheck, { Test: ['CMD-SHELL', 'true'], Interval: 60e9 });
  assert.deepEqual(r.body.Cmd, ['a', 'b']);
  assert.equal(r.body.Env, null);
});

test('restart policies, entrypoint reset, conflicts', async () => {
  const hc = (await build(['--restart', 'on-failure:5', 'img'])).body.HostConfig as Record<string, unknown>;
  assert.deepEqual(hc.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 5 });
  assert.deepEqual((await build(['--entrypoint', '', 'img'])).body.Entrypoint, ['']);
  await assert.rejects(build(['--restart', 'always', 'img'], false, true), /Conflicting options/);
  await assert.rejects(build(['--no-healthcheck', '--health-cmd', 'x', 'img']), /conflicts with --health/);
  await assert.rejects(build(['-p', 'abc', 'img']), /invalid containerPort/);
  await assert.rejects(build(['--ulimit', 'nofile', 'img']), /invalid ulimit/);
});

test('capabilities are spelled as docker sends them', () => {
  assert.deepEqual(normalizeCaps(['net_admin', 'CAP_SYS_TIME', 'all', 'NET_ADMIN']), ['CAP_NET_ADMIN', 'CAP_SYS_TIME', 'ALL']);
  assert.equal(normalizeCaps([]), null);
});
