import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { decodeFrames, frame, STDERR, STDOUT, streamWriter } from './stdcopy.js';

describe('stdcopy framing', () => {
  it('frames a chunk with the stream byte and a big-endian length', () => {
    const f = frame(STDERR, Buffer.from('hello'));
    assert.deepEqual([...f.subarray(0, 8)], [2, 0, 0, 0, 0, 0, 0, 5]);
    assert.equal(f.subarray(8).toString(), 'hello');
  });

  it('encodes lengths above 255 over all four bytes', () => {
    const f = frame(STDOUT, Buffer.alloc(0x010203));
    assert.deepEqual([...f.subarray(0, 8)], [1, 0, 0, 0, 0, 0x01, 0x02, 0x03]);
  });

  it('decodes concatenated frames and keeps a partial one as rest', () => {
    const all = Buffer.concat([frame(STDOUT, Buffer.from('a')), frame(STDERR, Buffer.from('bc')), frame(STDOUT, Buffer.from('def')).subarray(0, 9)]);
    const { frames, rest } = decodeFrames(all);
    assert.deepEqual(frames.map((f) => [f.stream, f.data.toString()]), [[1, 'a'], [2, 'bc']]);
    assert.equal(rest.length, 9);
  });

  it('writes raw bytes for a TTY and frames otherwise; empty chunks are dropped', () => {
    const raw = new PassThrough();
    streamWriter(raw, true).write(STDERR, Buffer.from('x'));
    assert.equal(raw.read().toString(), 'x');
    const muxed = new PassThrough();
    const w = streamWriter(muxed, false);
    w.write(STDOUT, Buffer.alloc(0));
    w.write(STDERR, Buffer.from('y'));
    assert.deepEqual(decodeFrames(muxed.read()).frames.map((f) => [f.stream, f.data.toString()]), [[2, 'y']]);
  });
});
