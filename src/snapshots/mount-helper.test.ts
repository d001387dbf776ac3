import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runShell, shQuote } from './mount-helper.js';

test('the shared shell runs commands in order, reports failures, and survives its own death', async () => {
  const outs = await Promise.all([1, 2, 3].map((i) => runShell(`echo ${i}`)));
  assert.deepEqual(outs, ['1\n', '2\n', '3\n']);
  assert.equal(await runShell(`printf %s ${shQuote("it's \"quoted\" $HOME")}`), `it's "quoted" $HOME`);
  await assert.rejects(runShell('echo oops >&2; exit 3'), { message: 'oops' });
  await assert.rejects(runShell('kill -9 $$; sleep 5'), /exited|exit/);
  assert.equal(await runShell('echo back'), 'back\n');
});
