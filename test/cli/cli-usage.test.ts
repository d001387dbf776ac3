/** The CLI's own surface, no daemon needed: help, version, unknown commands and flags. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wharf } from './test-daemon.js';

const nowhere = 'unix:///nonexistent/wharf-cli-usage.sock';

test('--version, --help and command help exit 0 without a daemon', async () => {
  const v = await wharf(nowhere, ['--version']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^Wharf version \d+\.\d+\.\d+\n$/);
  const h = await wharf(nowhere, ['--help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /Usage: {2}wharf \[OPTIONS\] COMMAND/);
  const r = await wharf(nowhere, ['run', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Usage: {2}wharf run \[OPTIONS\] IMAGE \[COMMAND\] \[ARG\.\.\.\]/);
  assert.match(r.stdout, /-d, --detach/);
  const c = await wharf(nowhere, ['container', 'ls', '--help']);
  assert.match(c.stdout, /Usage: {2}wharf container ls \[OPTIONS\]/);
});

test('flags after the image are the container’s, even --help', async () => {
  // The image's own --help must reach the daemon, so this fails only on connecting.
  const r = await wharf(nowhere, ['run', 'img', 'ls', '--help']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^Cannot connect to the Wharf daemon at unix:\/\/\/nonexistent\/wharf-cli-usage\.sock\./);
});

test('unknown commands, flags and argument counts', async () => {
  const u = await wharf(nowhere, ['nosuch']);
  assert.equal(u.code, 1);
  assert.equal(u.stderr, "wharf: unknown command: wharf nosuch\n\nRun 'wharf --help' for more information\n");
  const sub = await wharf(nowhere, ['image', 'nosuch']);
  assert.equal(sub.code, 1);
  assert.match(sub.stderr, /^wharf: unknown command: wharf image nosuch\n/);
  const g = await wharf(nowhere, ['--bogus', 'ps']);
  assert.equal(g.code, 125);
  assert.match(g.stderr, /^unknown flag: --bogus\n/);
  const f = await wharf(nowhere, ['ps', '-z']);
  assert.equal(f.code, 125);
  assert.equal(f.stderr, "unknown shorthand flag: 'z' in -z\n\nUsage:  wharf ps [OPTIONS]\n\nRun 'wharf ps --help' for more information\n");
  const n = await wharf(nowhere, ['rename', 'a']);
  assert.equal(n.code, 1);
  assert.equal(n.stderr, "wharf: 'wharf rename' requires exactly 2 arguments\n\nUsage:  wharf rename CONTAINER NEW_NAME\n\nSee 'wharf rename --help' for more information\n");
  const bad = await wharf('ssh://somewhere', ['ps']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /unable to parse docker host/);
});
