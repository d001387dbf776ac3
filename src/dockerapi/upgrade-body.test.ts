import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { readUpgradeBody, splitChunked } from './upgrade-body.js';

const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('upgrade request bodies', () => {
  it('splits a chunked body with extensions and trailers from what follows', () => {
    const wire = Buffer.from('5;x=y\r\n{"Det\r\n8\r\nach":1}\n\r\n0\r\nX-T: 1\r\n\r\nstdin');
    const r = splitChunked(wire);
    assert.equal(r?.body.toString(), '{"Detach":1}\n');
    assert.equal(r?.rest.toString(), 'stdin');
    assert.equal(splitChunked(Buffer.from('5\r\nabc')), undefined);
    assert.throws(() => splitChunked(Buffer.from('zz\r\n')));
  });

  it('reads a Content-Length body arriving after the head and keeps the rest as stdin', async () => {
    const socket = new PassThrough();
    const p = readUpgradeBody(req({ 'content-length': '6' }), socket, Buffer.from('{"a"'));
    socket.write(':1}extra');
    const r = await p;
    assert.equal(r.body.toString(), '{"a":1');
    assert.equal(r.rest.toString(), '}extra');
  });

  it('reads a chunked body spread over several packets', async () => {
    const socket = new PassThrough();
    const p = readUpgradeBody(req({ 'transfer-encoding': 'chunked' }), socket, Buffer.from('2\r\n{}'));
    socket.write('\r\n0\r\n');
    socket.write('\r\n');
    assert.equal((await p).body.toString(), '{}');
  });

  it('fails when the connection ends before the body, or the length is absurd', async () => {
    const socket = new PassThrough();
    const p = readUpgradeBody(req({ 'content-length': '10' }), socket, Buffer.alloc(0));
    socket.end('short');
    await assert.rejects(p, /closed before the request body/);
    await assert.rejects(readUpgradeBody(req({ 'content-length': '99999999' }), new PassThrough(), Buffer.alloc(0)), /bad body length/);
  });
});
