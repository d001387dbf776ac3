import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WharfError } from '../common/errors.js';
import { parseDaemonFlags, parseHost } from './flags.js';

const env = { DOCKER_CERT_PATH: '/certs' };

describe('wharf daemon flags', () => {
  it('defaults to Wharf paths, not Docker ones', () => {
    const c = parseDaemonFlags([], env);
    assert.equal(c.dataRoot, '/var/lib/wharf');
    assert.equal(c.execRoot, '/run/wharf');
    assert.equal(c.pidfile, '/run/wharf/wharf.pid');
    assert.deepEqual(c.hosts, [{ kind: 'unix', path: '/run/wharf/wharf.sock' }]);
    assert.equal(c.logLevel, 'info');
    assert.equal(c.tls, undefined);
  });

  it('takes dockerd spellings, repeated -H, and --runtime name=path', () => {
    const c = parseDaemonFlags(['--data-root', '/d', '-H', 'unix:///s.sock', '--host=tcp://127.0.0.1:1234', '-p', '/p.pid', '-D', '--runtime', 'crun=/usr/bin/crun', '--default-runtime', 'crun'], env);
    assert.equal(c.dataRoot, '/d');
    assert.deepEqual(c.hosts, [{ kind: 'unix', path: '/s.sock' }, { kind: 'tcp', host: '127.0.0.1', port: 1234 }]);
    assert.equal(c.pidfile, '/p.pid');
    assert.equal(c.logLevel, 'debug');
    assert.deepEqual(c.runtimes, { crun: '/usr/bin/crun' });
    assert.equal(c.defaultRuntime, 'crun');
  });

  it('--tlsverify turns on mutual TLS with the default cert paths; --tlsverify=false does not', () => {
    const c = parseDaemonFlags(['--tlsverify'], env);
    assert.deepEqual(c.tls, { cert: '/certs/cert.pem', key: '/certs/key.pem', ca: '/certs/ca.pem', verify: true });
    assert.equal(parseDaemonFlags(['--tlsverify=false'], env).tls, undefined);
    const plain = parseDaemonFlags(['--tls', '--tlscert', '/c', '--tlskey', '/k'], env);
    assert.deepEqual(plain.tls, { cert: '/c', key: '/k', ca: undefined, verify: false });
  });

  it('--log-driver and --log-opt set containers\' default logging, checked as dockerd checks them', () => {
    assert.deepEqual(parseDaemonFlags([], env).logConfig, { Type: 'json-file', Config: {} });
    const c = parseDaemonFlags(['--log-driver', 'local', '--log-opt', 'max-size=10m', '--log-opt', 'max-file=3'], env);
    assert.deepEqual(c.logConfig, { Type: 'local', Config: { 'max-size': '10m', 'max-file': '3' } });
    assert.throws(() => parseDaemonFlags(['--log-opt', 'foo=bar'], env), { message: "failed to set log opts: unknown log opt 'foo' for json-file log driver" });
    assert.throws(() => parseDaemonFlags(['--log-opt', 'max-size=big'], env), { message: "failed to set log opts: invalid size: 'big'" });
    assert.throws(() => parseDaemonFlags(['--log-driver', 'nosuch'], env), /plugin "nosuch" not found/);
    assert.throws(() => parseDaemonFlags(['--log-opt', 'novalue'], env), /expected key=value/);
  });

  it('parses tcp addresses with default ports by TLS', () => {
    assert.deepEqual(parseHost('tcp://:2375', false), { kind: 'tcp', host: '0.0.0.0', port: 2375 });
    assert.deepEqual(parseHost('tcp://10.0.0.1', false), { kind: 'tcp', host: '10.0.0.1', port: 2375 });
    assert.deepEqual(parseHost('tcp://10.0.0.1', true), { kind: 'tcp', host: '10.0.0.1', port: 2376 });
    assert.deepEqual(parseHost('tcp://[::1]:99', false), { kind: 'tcp', host: '::1', port: 99 });
  });

  it('rejects bad flags, addresses, levels and runtimes as invalid parameters', () => {
    const bad = [['--nope'], ['-H', 'ftp://x'], ['-H', 'unix://relative'], ['--log-level', 'loud'], ['--runtime', 'noequals'], ['-H', 'tcp://h:99999']];
    for (const argv of bad) {
      assert.throws(() => parseDaemonFlags(argv, env), (e: unknown) => e instanceof WharfError && e.kind === 'invalid-parameter', argv.join(' '));
    }
  });
});
