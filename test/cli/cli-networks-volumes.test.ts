/** `wharf network …` and `wharf volume …` print what the docker CLI prints, against the same Wharf daemon. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { busyboxRootfsTar } from '../support/busybox-rootfs.js';
import { startWharfDaemon, WHARF_BIN, type RunningDaemon } from '../support/daemons.js';
import { runCli } from '../support/run-cli.js';

const tag = randomBytes(3).toString('hex');
let d: RunningDaemon;
const wharf = (args: string[], input?: string) => runCli(process.execPath, [WHARF_BIN, '-H', d.host, ...args], { input });
const docker = (args: string[], input?: string | Buffer) => runCli('docker', ['-H', d.host, ...args], { input });

before(async () => {
  d = await startWharfDaemon();
  assert.equal((await docker(['import', '-', `nv-${tag}:1`], await busyboxRootfsTar())).code, 0);
});
after(async () => {
  await d?.stop();
});

test('network create/ls/inspect/connect/rm as docker prints them', async () => {
  const created = await wharf(['network', 'create', '--subnet', '10.219.7.0/24', '--label', 'team=wharf', `net-${tag}`]);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /^[0-9a-f]{64}\n$/);
  const ours = await wharf(['network', 'ls']);
  const theirs = await docker(['network', 'ls']);
  assert.equal(ours.stdout, theirs.stdout);
  assert.equal((await wharf(['network', 'ls', '-q', '--filter', `name=net-${tag}`])).stdout, created.stdout.slice(0, 12) + '\n');
  const info = JSON.parse((await wharf(['network', 'inspect', `net-${tag}`])).stdout)[0];
  assert.equal(info.IPAM.Config[0].Subnet, '10.219.7.0/24');
  assert.equal(info.Labels.team, 'wharf');
  const c = await docker(['create', '--name', `nc-${tag}`, `nv-${tag}:1`, 'true']);
  assert.equal(c.code, 0, c.stderr);
  assert.equal((await wharf(['network', 'connect', '--alias', 'db', `net-${tag}`, `nc-${tag}`])).code, 0);
  assert.equal((await wharf(['network', 'disconnect', `net-${tag}`, `nc-${tag}`])).code, 0);
  assert.equal((await docker(['rm', `nc-${tag}`])).code, 0);
  const rm = await wharf(['network', 'rm', `net-${tag}`]);
  assert.equal(rm.code, 0, rm.stderr);
  assert.equal(rm.stdout, `net-${tag}\n`);
  const gone = await wharf(['network', 'rm', `net-${tag}`]);
  assert.equal(gone.code, 1);
  // docker 28 adds an "exit status 1" line of its own after the daemon's message.
  assert.equal(gone.stderr.split('\n')[0], (await docker(['network', 'rm', `net-${tag}`])).stderr.split('\n')[0]);
});

test('volume create/ls/inspect/rm/prune as docker prints them', async () => {
  assert.equal((await wharf(['volume', 'create', '--label', 'k=v', `vol-${tag}`])).stdout, `vol-${tag}\n`);
  assert.equal((await wharf(['volume', 'ls'])).stdout, (await docker(['volume', 'ls'])).stdout);
  const info = JSON.parse((await wharf(['volume', 'inspect', `vol-${tag}`])).stdout)[0];
  assert.equal(info.Driver, 'local');
  assert.deepEqual(info.Labels, { k: 'v' });
  const run = await docker(['run', '--name', `vc-${tag}`, '-v', `vol-${tag}:/data`, `nv-${tag}:1`, 'true']);
  assert.equal(run.code, 0, run.stderr);
  const inUse = await wharf(['volume', 'rm', `vol-${tag}`]);
  assert.equal(inUse.code, 1);
  assert.match(inUse.stderr, /volume is in use/);
  assert.equal((await docker(['rm', `vc-${tag}`])).code, 0);
  const pruned = await wharf(['volume', 'prune', '-f', '--all']);
  assert.equal(pruned.code, 0, pruned.stderr);
  assert.match(pruned.stdout, new RegExp(`Deleted Volumes:\\nvol-${tag}\\n`));
  assert.equal((await wharf(['volume', 'ls', '-q'])).stdout, '');
});

test("a running container's /etc/hosts gains and loses its address on network connect/disconnect", async () => {
  for (const n of ['ha', 'hb']) assert.equal((await docker(['network', 'create', `${n}-${tag}`])).code, 0);
  const name = `hc-${tag}`;
  try {
    const run = await docker(['run', '-d', '--name', name, '--hostname', 'hostsbox', '--network', `ha-${tag}`, `nv-${tag}:1`, 'sleep', '60']);
    assert.equal(run.code, 0, run.stderr);
    const ipOn = async (net: string) => (await docker(['inspect', '-f', `{{(index .NetworkSettings.Networks "${net}").IPAddress}}`, name])).stdout.trim();
    const hosts = async () => (await docker(['exec', name, 'cat', '/etc/hosts'])).stdout;
    const first = await ipOn(`ha-${tag}`);
    assert.match(await hosts(), new RegExp(`^${first.replace(/\./g, '\\.')}\\thostsbox$`, 'm'));
    assert.equal((await docker(['network', 'connect', `hb-${tag}`, name])).code, 0);
    const second = await ipOn(`hb-${tag}`);
    assert.match(second, /^\d+\.\d+\.\d+\.\d+$/);
    const after = await hosts();
    assert.match(after, new RegExp(`^${first.replace(/\./g, '\\.')}\\thostsbox$`, 'm'));
    assert.match(after, new RegExp(`^${second.replace(/\./g, '\\.')}\\thostsbox$`, 'm'));
    assert.equal((await docker(['network', 'disconnect', `hb-${tag}`, name])).code, 0);
    assert.doesNotMatch(await hosts(), new RegExp(`^${second.replace(/\./g, '\\.')}\\t`, 'm'));
  } finally {
    await docker(['rm', '-f', name]);
    for (const n of ['ha', 'hb']) await docker(['network', 'rm', `${n}-${tag}`]);
  }
});
