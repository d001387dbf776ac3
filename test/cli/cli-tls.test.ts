/**
 * Host selection over TCP with TLS: -H tcp://… with --tlsverify and explicit files, and
 * DOCKER_HOST + DOCKER_TLS_VERIFY + DOCKER_CERT_PATH; hijacked streams work through TLS.
 * The daemon (WHARF_TEST_DAEMON: dockerd by default, or `wharf daemon`) gets dockerd's TLS flags.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pingSocket, WHARF_BIN } from '../support/daemons.js';
import { busyboxRootfsTar } from '../support/busybox-rootfs.js';
import { daemonNetworkArgs, removeDaemonNetworks, testNetworkOptions } from '../support/network-options.js';
import { uniqueName, wharf } from './test-daemon.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

function makeCerts(dir: string): void {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=wharf-test-ca');
  for (const [name, ext] of [
    ['server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n'],
    ['client', 'extendedKeyUsage=clientAuth\n'],
  ]) {
    writeFileSync(join(dir, `${name}.ext`), ext);
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', `${name}-cert.pem`, '-days', '2', '-extfile', `${name}.ext`);
  }
  // DOCKER_CERT_PATH layout: ca.pem, cert.pem, key.pem
  const certPath = join(dir, 'client');
  execFileSync('mkdir', ['-p', certPath]);
  execFileSync('cp', [join(dir, 'ca.pem'), join(certPath, 'ca.pem')]);
  execFileSync('cp', [join(dir, 'client-cert.pem'), join(certPath, 'cert.pem')]);
  execFileSync('cp', [join(dir, 'client-key.pem'), join(certPath, 'key.pem')]);
}

describe('wharf CLI over TCP with TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wh-cli-tls-'));
  const net = testNetworkOptions();
  let proc: ChildProcess | undefined;
  let tcp = '';
  const image = `${uniqueName('wh-cli-tls')}:1`;
  const tlsFlags = () => ['-H', tcp, '--tlsverify', '--tlscacert', join(dir, 'ca.pem'), '--tlscert', join(dir, 'client-cert.pem'), '--tlskey', join(dir, 'client-key.pem')];

  before(async () => {
    makeCerts(dir);
    const port = await freePort();
    tcp = `tcp://127.0.0.1:${port}`;
    const socket = join(dir, 'api.sock');
    const common = ['--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'), '--pidfile', join(dir, 'pid'), '-H', `unix://${socket}`, '-H', tcp];
    const tls = ['--tlsverify', '--tlscacert', join(dir, 'ca.pem'), '--tlscert', join(dir, 'server-cert.pem'), '--tlskey', join(dir, 'server-key.pem')];
    proc =
      process.env.WHARF_TEST_DAEMON !== 'docker'
        ? spawn(process.execPath, [WHARF_BIN, 'daemon', ...common, ...tls, ...daemonNetworkArgs(net)], { stdio: 'ignore' })
        : spawn('/usr/sbin/dockerd', [...common, ...tls, '--bridge=none', '--iptables=false', '--containerd-namespace', `wh-cli-tls-${process.pid}`, '--containerd-plugins-namespace', `wh-cli-tls-${process.pid}-p`], { stdio: 'ignore' });
    const deadline = Date.now() + 30000;
    while (!(await pingSocket(socket))) {
      if (Date.now() > deadline || proc.exitCode !== null) throw new Error('TLS test daemon did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    writeFileSync(join(dir, 'rootfs.tar'), await busyboxRootfsTar());
    const imp = await wharf(`unix://${socket}`, ['import', join(dir, 'rootfs.tar'), image]);
    assert.equal(imp.code, 0, imp.stderr);
  });

  after(async () => {
    if (proc && proc.exitCode === null) {
      const exited = new Promise((r) => proc?.once('exit', r));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc?.kill('SIGKILL'), 15000);
      await exited;
      clearTimeout(t);
    }
    if (process.env.WHARF_TEST_DAEMON !== 'docker') await removeDaemonNetworks(join(dir, 'data'), join(dir, 'exec'), net);
    rmSync(dir, { recursive: true, force: true });
  });

  test('-H tcp:// with --tlsverify and explicit cert files; run streams through TLS', async () => {
    const v = await wharf('', [...tlsFlags(), 'version', '--format', '{{.Server.Os}}'], { env: { DOCKER_HOST: '', WHARF_HOST: '' } });
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.stdout, 'linux\n');
    const r = await wharf('', [...tlsFlags(), 'run', '--rm', '--network', 'none', image, 'sh', '-c', 'echo over-tls; exit 5'], { env: { DOCKER_HOST: '', WHARF_HOST: '' } });
    assert.equal(r.stdout, 'over-tls\n');
    assert.equal(r.code, 5);
  });

  test('DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH', async () => {
    const env = { DOCKER_HOST: tcp, WHARF_HOST: '', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: join(dir, 'client') };
    const r = await wharf(tcp, ['images', '--format', '{{.Repository}}:{{.Tag}}', image], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${image}\n`);
  });

  test('refused without a client certificate or without TLS', async () => {
    const noCert = await wharf('', ['-H', tcp, '--tlsverify', '--tlscacert', join(dir, 'ca.pem'), 'ps'], { env: { DOCKER_HOST: '', WHARF_HOST: '', DOCKER_CERT_PATH: join(dir, 'nowhere') } });
    assert.equal(noCert.code, 1);
    assert.notEqual(noCert.stderr, '');
    const plain = await wharf('', ['-H', tcp, 'ps'], { env: { DOCKER_HOST: '', WHARF_HOST: '', DOCKER_TLS_VERIFY: '' } });
    assert.equal(plain.code, 1);
    assert.notEqual(plain.stderr, '');
    const wrongCa = await wharf('', ['-H', tcp, '--tlsverify', '--tlscacert', join(dir, 'client-cert.pem'), '--tlscert', join(dir, 'client-cert.pem'), '--tlskey', join(dir, 'client-key.pem'), 'ps'], {
      env: { DOCKER_HOST: '', WHARF_HOST: '' },
    });
    assert.equal(wrongCa.code, 1);
    assert.match(wrongCa.stderr, /certificate/i);
  });
});
