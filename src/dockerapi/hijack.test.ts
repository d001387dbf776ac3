import assert from 'node:assert/strict';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { pumpInput, pumpOutput } from './hijack.js';
import { decodeFrames } from './stdcopy.js';

describe('hijacked stream pumps', () => {
  it('the client half-closing its input ends the process stdin after the data', async () => {
    const input = new PassThrough();
    const stdin = new PassThrough();
    pumpInput(input, stdin, { closeStdin: true, onEof: () => assert.fail('session must go on') });
    input.end('typed\n');
    const chunks: Buffer[] = [];
    stdin.on('data', (c) => chunks.push(c));
    await once(stdin, 'end');
    assert.equal(Buffer.concat(chunks).toString(), 'typed\n');
  });

  it('without closeStdin the client EOF ends the session and leaves stdin open', async () => {
    const input = new PassThrough();
    const stdin = new PassThrough();
    let ended = false;
    pumpInput(input, stdin, { closeStdin: false, onEof: () => (ended = true) });
    input.end('last words\n');
    await once(input, 'end');
    assert.equal(ended, true);
    assert.equal(stdin.writableEnded, false);
    assert.equal(stdin.read()?.toString(), 'last words\n');
  });

  it('after detach the input no longer reaches or ends stdin', async () => {
    const input = new PassThrough();
    const stdin = new PassThrough();
    const detach = pumpInput(input, stdin, { closeStdin: true, onEof() {} });
    detach();
    input.end('late');
    await new Promise((r) => setImmediate(r));
    assert.equal(stdin.writableEnded, false);
    assert.equal(stdin.read(), null);
  });

  it('without stdin the input is drained so the socket can close', async () => {
    const input = new PassThrough();
    pumpInput(input, undefined, { closeStdin: true, onEof() {} });
    input.end(Buffer.alloc(64 * 1024));
    await once(input, 'end');
  });

  it('output keeps flowing after the input side ended, framed per stream', async () => {
    const input = new PassThrough();
    const out = new PassThrough();
    const io = { stdout: new PassThrough(), stderr: new PassThrough() };
    pumpInput(input, undefined, { closeStdin: false, onEof: () => assert.fail('no stdin: half-close is not an EOF of the session') });
    input.end(); // the client's half-close
    const done = pumpOutput(io, out, false, new AbortController().signal);
    io.stdout.end('o');
    io.stderr.end('e');
    await done;
    const frames = decodeFrames(out.read()).frames.map((f) => [f.stream, f.data.toString()]);
    assert.deepEqual(frames.sort(), [[1, 'o'], [2, 'e']]);
  });

  it('output pumping stops when the client goes away', async () => {
    const ac = new AbortController();
    const io = { stdout: new PassThrough(), stderr: new PassThrough() };
    const done = pumpOutput(io, new PassThrough(), true, ac.signal);
    ac.abort();
    await done; // resolves although the streams never end
  });
});
