import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { printProgress } from './distribution.js';

const stream = (msgs: object[]) => Readable.from([Buffer.from(msgs.map((m) => JSON.stringify(m)).join('\n') + '\n')]);
const messages = [
  { status: 'Pulling from team/bb', id: '1.0' },
  { status: 'Pulling fs layer', progressDetail: {}, id: 'aaa' },
  { status: 'Pulling fs layer', progressDetail: {}, id: 'bbb' },
  { status: 'Downloading', progressDetail: { current: 5, total: 10 }, progress: '[==>  ] 5B/10B', id: 'aaa' },
  { status: 'Pull complete', progressDetail: {}, id: 'aaa' },
  { status: 'Pull complete', progressDetail: {}, id: 'bbb' },
  { status: 'Digest: sha256:abc' },
];

async function render(msgs: object[], tty: boolean): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c) => (text += c));
  await printProgress(stream(msgs), out as unknown as NodeJS.WriteStream, tty);
  return text;
}

test('off a terminal: one plain line per message, byte counts left out', async () => {
  assert.equal(
    await render(messages, false),
    '1.0: Pulling from team/bb\naaa: Pulling fs layer\nbbb: Pulling fs layer\naaa: Pull complete\nbbb: Pull complete\nDigest: sha256:abc\n',
  );
});

test('on a terminal: each layer keeps its line, rewritten in place with its bar', async () => {
  const text = await render(messages, true);
  assert.ok(text.startsWith('1.0: Pulling from team/bb\naaa: Pulling fs layer\nbbb: Pulling fs layer\n'));
  // aaa is two lines up from the cursor: move up 2, clear, write, move back down.
  assert.ok(text.includes('\x1b[2A\x1b[2K\raaa: Downloading [==>  ] 5B/10B\x1b[2B\r'));
  assert.ok(text.includes('\x1b[1A\x1b[2K\rbbb: Pull complete\x1b[1B\r'));
  assert.ok(text.endsWith('Digest: sha256:abc\n'));
});

test('an error message in the stream becomes the command\'s error', async () => {
  await assert.rejects(render([{ status: 'Pulling from x', id: '1' }, { errorDetail: { message: 'boom' }, error: 'boom' }], false), /^Error: boom$|boom/);
});
